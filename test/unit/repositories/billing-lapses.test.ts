import { randomInt, randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../../../lambdas/clients/dynamodb';
import { deleteLapseMarker, lapseMarkersBefore, markLapseSwept, putLapseMarker } from '../../../lambdas/repositories/billing-lapses';
import { keys } from '../../../lambdas/repositories/keys';
import { getItem, putItem } from './table';

/**
 * Against DynamoDB Local (the repositories project). The BILLINGLAPSE partition is shared: each test's
 * suspensions fall in a year of their own before 1900, so its cutoff sees nobody else's markers after them.
 */
const aYearOfItsOwn = () => 1000 + randomInt(0, 800);
const at = (year: number, day: number) => `${year}-01-${String(day).padStart(2, '0')}T00:00:00.000Z`;

async function markersBefore(cutoff: string, since: string) {
  const found = [];
  for await (const marker of lapseMarkersBefore(cutoff)) if (marker.suspendedAt >= since) found.push(marker);
  return found;
}

afterEach(() => jest.restoreAllMocks());

describe('lapse markers', () => {
  it('are kept in one partition sorted by suspension time, and listed oldest first before the cutoff, page by page', async () => {
    const year = aYearOfItsOwn();
    const markers = [3, 1, 2, 5, 4].map((day) => ({ customerId: randomUUID(), suspendedAt: at(year, day) }));
    await Promise.all(markers.map((marker) => putLapseMarker(marker.customerId, marker.suspendedAt)));
    expect(await getItem(keys.billingLapse(markers[0].suspendedAt, markers[0].customerId))).toEqual({
      pk: 'BILLINGLAPSE',
      sk: `${markers[0].suspendedAt}#${markers[0].customerId}`,
      type: 'billingLapse',
      ...markers[0],
    });
    // Pages of two (the repository asks for 100), so the four markers before the cutoff take several Queries.
    const send = dynamodb.send.bind(dynamodb) as (command: unknown) => Promise<unknown>;
    const queries = jest.spyOn(dynamodb, 'send').mockImplementation(((command: unknown) => {
      if (command instanceof QueryCommand) command.input.Limit = 2;
      return send(command);
    }) as typeof dynamodb.send);

    const found = await markersBefore(at(year, 5), at(year, 1));

    expect(found).toEqual([1, 2, 3, 4].map((day) => markers.find((marker) => marker.suspendedAt === at(year, day))));
    expect(queries.mock.calls.filter(([command]) => command instanceof QueryCommand).length).toBeGreaterThanOrEqual(2);
  });

  it('deleteLapseMarker removes that marker only', async () => {
    const year = aYearOfItsOwn();
    const first = { customerId: randomUUID(), suspendedAt: at(year, 1) };
    const second = { customerId: randomUUID(), suspendedAt: at(year, 1) };
    await putLapseMarker(first.customerId, first.suspendedAt);
    await putLapseMarker(second.customerId, second.suspendedAt);
    await deleteLapseMarker(first);
    expect(await markersBefore(at(year, 2), at(year, 1))).toEqual([second]);
  });
});

describe('markLapseSwept', () => {
  const profile = (customerId: string, fields: Record<string, unknown>) => putItem({ ...keys.customer(customerId), type: 'customer', customerId, ...fields });

  it('marks an account still suspended since that suspension', async () => {
    const marker = { customerId: randomUUID(), suspendedAt: '2026-01-01T00:00:00.000Z' };
    await profile(marker.customerId, { status: 'suspended', suspendedAt: marker.suspendedAt });
    expect(await markLapseSwept(marker, '2026-02-01T00:00:00.000Z')).toBe(true);
    expect(await getItem(keys.customer(marker.customerId))).toMatchObject({ status: 'suspended', lapseSweptAt: '2026-02-01T00:00:00.000Z' });
  });

  it('leaves alone an account resumed meanwhile, suspended again later, or gone', async () => {
    const resumed = { customerId: randomUUID(), suspendedAt: '2026-01-01T00:00:00.000Z' };
    const suspendedAgain = { customerId: randomUUID(), suspendedAt: '2026-01-01T00:00:00.000Z' };
    const gone = { customerId: randomUUID(), suspendedAt: '2026-01-01T00:00:00.000Z' };
    await profile(resumed.customerId, { status: 'active', suspendedAt: resumed.suspendedAt });
    await profile(suspendedAgain.customerId, { status: 'suspended', suspendedAt: '2026-01-20T00:00:00.000Z' });

    for (const marker of [resumed, suspendedAgain, gone]) expect(await markLapseSwept(marker, '2026-02-01T00:00:00.000Z')).toBe(false);

    expect(await getItem(keys.customer(resumed.customerId))).not.toHaveProperty('lapseSweptAt');
    expect(await getItem(keys.customer(suspendedAgain.customerId))).not.toHaveProperty('lapseSweptAt');
    expect(await getItem(keys.customer(gone.customerId))).toBeUndefined();
  });
});

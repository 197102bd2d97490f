import { randomUUID } from 'node:crypto';
import type { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../../../lambdas/clients/dynamodb';
import { config } from '../../../lambdas/config';
import { keys } from '../../../lambdas/repositories/keys';
import { profileSummaries, putUsage } from '../../../lambdas/repositories/usage';
import { getItem, putItem } from './table';

/** Against DynamoDB Local (the repositories project): every test with customers of its own. */
const profileItem = (customerId: string, status = 'active', plan = 'starter') => ({
  ...keys.customer(customerId),
  type: 'customer',
  customerId,
  status,
  plan,
  email: `${customerId}@example.com`,
});
const profile = (...args: Parameters<typeof profileItem>) => putItem(profileItem(...args));

afterEach(() => jest.restoreAllMocks());

describe('profileSummaries', () => {
  it('reads the asked profiles that exist (status and plan only, not the email), in batches of at most 100 keys', async () => {
    // 101 customers asked, one profile in each batch of keys, and one customer not asked.
    const customerIds: string[] = Array.from({ length: 101 }, () => randomUUID());
    const notAsked = randomUUID();
    await Promise.all([profile(customerIds[0], 'suspended', 'business'), profile(customerIds[100]), profile(notAsked)]);
    const send = jest.spyOn(dynamodb, 'send');

    const found = await profileSummaries(customerIds);

    expect(found.sort((a, b) => customerIds.indexOf(a.customerId) - customerIds.indexOf(b.customerId))).toEqual([
      { customerId: customerIds[0], status: 'suspended', plan: 'business' },
      { customerId: customerIds[100], status: 'active', plan: 'starter' },
    ]);
    const batches = send.mock.calls.map(([command]) => command as BatchGetCommand);
    expect(batches.map((batch) => batch.input.RequestItems![config.tableName()].Keys!.length)).toEqual([100, 1]);
  });

  it('asks again for the keys DynamoDB left unprocessed (throttled), and fails rather than answer short', async () => {
    const customerId = randomUUID();
    await profile(customerId);
    const send = dynamodb.send.bind(dynamodb) as (command: unknown) => Promise<unknown>;
    let throttled = 1;
    jest.spyOn(dynamodb, 'send').mockImplementation((async (command: BatchGetCommand) => {
      const asked = command.input.RequestItems![config.tableName()];
      if (throttled-- > 0) return { Responses: { [config.tableName()]: [] }, UnprocessedKeys: { [config.tableName()]: asked } };
      return send(command);
    }) as typeof dynamodb.send);
    expect(await profileSummaries([customerId])).toEqual([{ customerId, status: 'active', plan: 'starter' }]);

    throttled = Infinity;
    await expect(profileSummaries([customerId])).rejects.toThrow('BatchGetItem left 1 profiles unprocessed');
  });
});

describe('putUsage', () => {
  const usage = (measuredAt: string, diskUsedBytes: number) => ({ measuredAt, diskUsedBytes, backups: { count: 1, totalBytes: 5 } });

  it("stores the measurement in the customer's partition, and never replaces it with an older or the same one", async () => {
    const customerId = randomUUID();
    expect(await putUsage(customerId, usage('2030-03-10T12:00:00.000Z', 5))).toBe(true);
    expect(await putUsage(customerId, usage('2030-03-10T11:00:00.000Z', 4))).toBe(false);
    expect(await putUsage(customerId, usage('2030-03-10T12:00:00.000Z', 6))).toBe(false);
    expect(await getItem({ pk: `CUSTOMER#${customerId}`, sk: 'USAGE' })).toEqual({
      pk: `CUSTOMER#${customerId}`,
      sk: 'USAGE',
      type: 'usage',
      ...usage('2030-03-10T12:00:00.000Z', 5),
    });
    expect(await putUsage(customerId, usage('2030-03-10T13:00:00.000Z', 7))).toBe(true);
    expect(await getItem(keys.usage(customerId))).toMatchObject({ diskUsedBytes: 7 });
  });
});

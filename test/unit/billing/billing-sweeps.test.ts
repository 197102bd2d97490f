import { DeleteSnapshotCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type * as Billing from '../../../lambdas/repositories/billing';
import type * as BillingLapses from '../../../lambdas/repositories/billing-lapses';
import type * as CustomerLifecycle from '../../../lambdas/repositories/customer-lifecycle';
import { deleteExpiredSnapshots } from '../../../lambdas/services/delete-expired-snapshots';
import { retentionSecondsLeft } from '../../../lambdas/services/lifecycle-workflows';
import { sweepLapsedAccounts } from '../../../lambdas/services/sweep-lapsed-accounts';

const stripeApi = { subscriptions: { retrieve: jest.fn(), cancel: jest.fn() } };
jest.mock('../../../lambdas/clients/stripe', () => ({ getStripe: async () => stripeApi }));

// The markers' time-sorted partition (a Query before the cutoff, page by page) and the conditional sweep mark
// are the billing-lapses repository's: test/unit/repositories/billing-lapses.test.ts.
let profiles: Record<string, Record<string, unknown>>;
let markers: BillingLapses.LapseMarker[];
const lapseMarkersBefore = jest.fn(async function* (_cutoff: string) {
  yield* markers;
});
const deleteLapseMarker = jest.fn<ReturnType<typeof BillingLapses.deleteLapseMarker>, Parameters<typeof BillingLapses.deleteLapseMarker>>();
const markLapseSwept = jest.fn<ReturnType<typeof BillingLapses.markLapseSwept>, Parameters<typeof BillingLapses.markLapseSwept>>();
jest.mock('../../../lambdas/repositories/billing-lapses', () => ({
  lapseMarkersBefore: (cutoff: string) => lapseMarkersBefore(cutoff),
  deleteLapseMarker: (...args: Parameters<typeof BillingLapses.deleteLapseMarker>) => deleteLapseMarker(...args),
  markLapseSwept: (...args: Parameters<typeof BillingLapses.markLapseSwept>) => markLapseSwept(...args),
}));
const getLifecycleCustomer = jest.fn(async (customerId: string) => profiles[customerId] as unknown as CustomerLifecycle.LifecycleCustomer | undefined);
jest.mock('../../../lambdas/repositories/customer-lifecycle', () => ({ getLifecycleCustomer: (customerId: string) => getLifecycleCustomer(customerId) }));
const saveBillingSnapshot = jest.fn<ReturnType<typeof Billing.saveBillingSnapshot>, Parameters<typeof Billing.saveBillingSnapshot>>();
jest.mock('../../../lambdas/repositories/billing', () => ({
  saveBillingSnapshot: (...args: Parameters<typeof Billing.saveBillingSnapshot>) => saveBillingSnapshot(...args),
}));
const sfn = mockClient(SFNClient);
const ec2 = mockClient(EC2Client);

const DAY = 24 * 3600 * 1000;
const NOW = Date.parse('2027-03-01T00:00:00.000Z');
const LONG_AGO = new Date(NOW - 40 * DAY).toISOString();

const subscription = (status: string) => ({ id: 'sub_1', object: 'subscription', customer: 'cus_1', status, cancel_at_period_end: false, items: { data: [] }, metadata: { customerId: 'cust-1' } });
beforeEach(() => {
  sfn.reset();
  ec2.reset();
  stripeApi.subscriptions.retrieve.mockReset().mockResolvedValue(subscription('paused'));
  stripeApi.subscriptions.cancel.mockReset().mockResolvedValue(subscription('canceled'));
  profiles = {
    'cust-1': { customerId: 'cust-1', status: 'suspended', suspendedAt: LONG_AGO, billing: { subscriptionId: 'sub_1', subscriptionStatus: 'paused', observedAt: 1 } },
  };
  markers = [{ customerId: 'cust-1', suspendedAt: LONG_AGO }];
  lapseMarkersBefore.mockClear();
  getLifecycleCustomer.mockClear();
  deleteLapseMarker.mockReset().mockResolvedValue(undefined);
  markLapseSwept.mockReset().mockResolvedValue(true);
  saveBillingSnapshot.mockReset().mockResolvedValue(true);
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
});

const starts = () => sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
const deletedMarkers = () => deleteLapseMarker.mock.calls.map(([marker]) => marker);

describe('sweepLapsedAccounts', () => {
  it('looks at the markers of suspensions before the cutoff = now - billingRetentionDays', async () => {
    await sweepLapsedAccounts(NOW);
    expect(lapseMarkersBefore.mock.calls).toEqual([[new Date(NOW - 30 * DAY).toISOString()]]);
  });

  it('cancels the lapsed subscription in Stripe and starts deprovisioning at once (final snapshot first), then drops the marker', async () => {
    const result = await sweepLapsedAccounts(NOW);
    expect(result).toEqual({ examined: 1, deprovisioned: ['cust-1'], dropped: 0, failed: 0 });
    // Marked (only while still suspended since then) before Stripe is told anything.
    expect(markLapseSwept).toHaveBeenCalledWith({ customerId: 'cust-1', suspendedAt: LONG_AGO }, new Date(NOW).toISOString());
    expect(markLapseSwept.mock.invocationCallOrder[0]).toBeLessThan(stripeApi.subscriptions.cancel.mock.invocationCallOrder[0]);
    expect(stripeApi.subscriptions.cancel).toHaveBeenCalledWith('sub_1', {}, { idempotencyKey: 'lapse-cancel-sub_1' });
    expect(saveBillingSnapshot).toHaveBeenCalledWith('cust-1', expect.objectContaining({ subscriptionStatus: 'canceled' }));
    expect(starts()).toEqual([
      expect.objectContaining({ stateMachineArn: expect.stringContaining('DeprovisionCustomer'), name: 'deprovision-cust-1-sub_1', input: JSON.stringify({ customerId: 'cust-1', retentionSeconds: 0 }) }),
    ]);
    expect(deletedMarkers()).toEqual([{ customerId: 'cust-1', suspendedAt: LONG_AGO }]);
  });

  it.each([
    ['resumed since', { status: 'active' }],
    ['suspended again later', { suspendedAt: new Date(NOW - DAY).toISOString() }],
    ['paying again (not lapsed)', { billing: { subscriptionId: 'sub_1', subscriptionStatus: 'active' } }],
    ['gone', undefined],
  ])('drops the marker of an account %s, touching nothing', async (_label, change) => {
    profiles['cust-1'] = change === undefined ? (undefined as never) : { ...profiles['cust-1'], ...change };
    const result = await sweepLapsedAccounts(NOW);
    expect(result).toMatchObject({ deprovisioned: [], dropped: 1, failed: 0 });
    expect(stripeApi.subscriptions.cancel).not.toHaveBeenCalled();
    expect(starts()).toEqual([]);
    expect(saveBillingSnapshot).not.toHaveBeenCalled();
    expect(markLapseSwept).not.toHaveBeenCalled();
    expect(deletedMarkers()).toHaveLength(1);
  });

  it('leaves the account alone when it resumed between the read and the mark', async () => {
    markLapseSwept.mockResolvedValue(false);
    expect(await sweepLapsedAccounts(NOW)).toMatchObject({ deprovisioned: [], dropped: 1 });
    expect(stripeApi.subscriptions.cancel).not.toHaveBeenCalled();
    expect(starts()).toEqual([]);
  });

  it('is idempotent: an already cancelled subscription is not cancelled again, a started deprovisioning is fine', async () => {
    stripeApi.subscriptions.retrieve.mockResolvedValue(subscription('canceled'));
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    expect(await sweepLapsedAccounts(NOW)).toMatchObject({ deprovisioned: ['cust-1'], failed: 0 });
    expect(stripeApi.subscriptions.cancel).not.toHaveBeenCalled();
  });

  it('keeps the marker of an account it could not finish (retried next run) and goes on with the others', async () => {
    markers.push({ customerId: 'cust-2', suspendedAt: LONG_AGO });
    profiles['cust-2'] = { customerId: 'cust-2', status: 'suspended', suspendedAt: LONG_AGO, billing: { subscriptionId: 'sub_2', subscriptionStatus: 'unpaid' } };
    stripeApi.subscriptions.retrieve.mockImplementation(async (id: string) => {
      if (id === 'sub_1') throw Object.assign(new Error('down'), { type: 'StripeConnectionError' });
      return { ...subscription('unpaid'), id, metadata: { customerId: 'cust-2' } };
    });
    const result = await sweepLapsedAccounts(NOW);
    expect(result).toMatchObject({ examined: 2, deprovisioned: ['cust-2'], failed: 1 });
    expect(deletedMarkers()).toEqual([{ customerId: 'cust-2', suspendedAt: LONG_AGO }]);
  });
});

describe('retentionSecondsLeft', () => {
  it('counts from the suspension, and is over once the sweep marked the account', () => {
    const thirtyDays = 30 * 24 * 3600;
    expect(retentionSecondsLeft({ status: 'active' }, NOW)).toBe(thirtyDays);
    expect(retentionSecondsLeft({ status: 'suspended', suspendedAt: new Date(NOW - 10 * DAY).toISOString() }, NOW)).toBe(20 * 24 * 3600);
    expect(retentionSecondsLeft({ status: 'suspended', suspendedAt: LONG_AGO }, NOW)).toBe(0);
    expect(retentionSecondsLeft({ status: 'suspended', suspendedAt: new Date(NOW - DAY).toISOString(), lapseSweptAt: new Date(NOW).toISOString() }, NOW)).toBe(0);
  });
});

describe('deleteExpiredSnapshots', () => {
  const snap = (id: string, ageDays: number) => ({ SnapshotId: id, StartTime: new Date(NOW - ageDays * DAY), State: 'completed' as const });

  it('deletes final backups older than finalSnapshotRetentionDays (90) and keeps younger ones', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snap('snap-old', 91), snap('snap-young', 89)] });
    ec2.on(DeleteSnapshotCommand).resolves({});
    const result = await deleteExpiredSnapshots(NOW);
    expect(result).toEqual({ examined: 2, deleted: ['snap-old'], failed: 0 });
    expect(ec2.commandCalls(DeleteSnapshotCommand).map((c) => c.args[0].input.SnapshotId)).toEqual(['snap-old']);
    const describe = ec2.commandCalls(DescribeSnapshotsCommand)[0].args[0].input;
    expect(describe.OwnerIds).toEqual(['self']);
    expect(describe.Filters).toHaveLength(2);
    expect(describe.Filters).toEqual(
      expect.arrayContaining([
        { Name: 'tag:ManagedBy', Values: ['stackpro'] },
        { Name: 'tag:Purpose', Values: ['final-backup'] },
      ]),
    );
  });

  it('treats a snapshot deleted meanwhile as done, and counts other failures for the next run', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snap('snap-gone', 100), snap('snap-stuck', 100)] });
    ec2.on(DeleteSnapshotCommand, { SnapshotId: 'snap-gone' }).rejects(Object.assign(new Error('gone'), { name: 'InvalidSnapshot.NotFound' }));
    ec2.on(DeleteSnapshotCommand, { SnapshotId: 'snap-stuck' }).rejects(Object.assign(new Error('in use'), { name: 'InvalidSnapshot.InUse' }));
    expect(await deleteExpiredSnapshots(NOW)).toEqual({ examined: 2, deleted: [], failed: 1 });
  });
});

import { DeleteSnapshotCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { deleteExpiredSnapshots } from '../../../lambdas/services/delete-expired-snapshots';
import { retentionSecondsLeft } from '../../../lambdas/services/lifecycle-workflows';
import { sweepLapsedAccounts } from '../../../lambdas/services/sweep-lapsed-accounts';

const stripeApi = { subscriptions: { retrieve: jest.fn(), cancel: jest.fn() } };
jest.mock('../../../lambdas/clients/stripe', () => ({ getStripe: async () => stripeApi }));

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const ec2 = mockClient(EC2Client);

const DAY = 24 * 3600 * 1000;
const NOW = Date.parse('2027-03-01T00:00:00.000Z');
const LONG_AGO = new Date(NOW - 40 * DAY).toISOString();

const subscription = (status: string) => ({ id: 'sub_1', object: 'subscription', customer: 'cus_1', status, cancel_at_period_end: false, items: { data: [] }, metadata: { customerId: 'cust-1' } });
let profiles: Record<string, Record<string, unknown>>;
let markers: { customerId: string; suspendedAt: string }[];

beforeEach(() => {
  ddb.reset();
  sfn.reset();
  ec2.reset();
  stripeApi.subscriptions.retrieve.mockReset().mockResolvedValue(subscription('paused'));
  stripeApi.subscriptions.cancel.mockReset().mockResolvedValue(subscription('canceled'));
  profiles = {
    'cust-1': { customerId: 'cust-1', status: 'suspended', suspendedAt: LONG_AGO, billing: { subscriptionId: 'sub_1', subscriptionStatus: 'paused', observedAt: 1 } },
  };
  markers = [{ customerId: 'cust-1', suspendedAt: LONG_AGO }];
  ddb.on(QueryCommand).callsFake(() => ({ Items: markers.map((m) => ({ pk: 'BILLINGLAPSE', sk: `${m.suspendedAt}#${m.customerId}`, ...m })) }));
  ddb.on(GetCommand).callsFake((input: { Key: { pk: string } }) => ({ Item: profiles[input.Key.pk.replace('CUSTOMER#', '')] }));
  ddb.on(UpdateCommand).resolves({});
  ddb.on(DeleteCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
});

const starts = () => sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
const deletedMarkers = () => ddb.commandCalls(DeleteCommand).map((c) => c.args[0].input.Key);

describe('sweepLapsedAccounts', () => {
  it('finds due accounts with a Query on the time-sorted partition (never a Scan), cutoff = now - billingRetentionDays', async () => {
    await sweepLapsedAccounts(NOW);
    const query = ddb.commandCalls(QueryCommand)[0].args[0].input;
    expect(query.KeyConditionExpression).toBe('pk = :pk AND sk < :cutoff');
    expect(query.ExpressionAttributeValues).toEqual({ ':pk': 'BILLINGLAPSE', ':cutoff': new Date(NOW - 30 * DAY).toISOString() });
    expect(ddb.commandCalls(ScanCommand)).toHaveLength(0);
  });

  it('cancels the lapsed subscription in Stripe and starts deprovisioning at once (final snapshot first), then drops the marker', async () => {
    const result = await sweepLapsedAccounts(NOW);
    expect(result).toEqual({ examined: 1, deprovisioned: ['cust-1'], dropped: 0, failed: 0 });
    const mark = ddb.commandCalls(UpdateCommand).find((c) => c.args[0].input.UpdateExpression === 'SET lapseSweptAt = :at')!.args[0].input;
    expect(mark.ConditionExpression).toBe('#status = :suspended AND suspendedAt = :since');
    expect(stripeApi.subscriptions.cancel).toHaveBeenCalledWith('sub_1', {}, { idempotencyKey: 'lapse-cancel-sub_1' });
    const snapshot = ddb.commandCalls(UpdateCommand).find((c) => c.args[0].input.UpdateExpression === 'SET billing = :billing')!.args[0].input;
    expect(snapshot.ExpressionAttributeValues![':billing']).toMatchObject({ subscriptionStatus: 'canceled' });
    expect(starts()).toEqual([
      expect.objectContaining({ stateMachineArn: expect.stringContaining('DeprovisionCustomer'), name: 'deprovision-cust-1-sub_1', input: JSON.stringify({ customerId: 'cust-1', retentionSeconds: 0 }) }),
    ]);
    expect(deletedMarkers()).toEqual([{ pk: 'BILLINGLAPSE', sk: `${LONG_AGO}#cust-1` }]);
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
    expect(deletedMarkers()).toHaveLength(1);
  });

  it('leaves the account alone when it resumed between the read and the mark', async () => {
    ddb.on(UpdateCommand, { UpdateExpression: 'SET lapseSweptAt = :at' }).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    expect(await sweepLapsedAccounts(NOW)).toMatchObject({ deprovisioned: [], dropped: 1 });
    expect(stripeApi.subscriptions.cancel).not.toHaveBeenCalled();
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
    expect(deletedMarkers()).toEqual([{ pk: 'BILLINGLAPSE', sk: `${LONG_AGO}#cust-2` }]);
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

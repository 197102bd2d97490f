import { CreateSnapshotCommand, DescribeInstancesCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { billingStanding } from '../../../lambdas/lifecycle/billing-standing';
import { handler as checkSnapshotStep } from '../../../lambdas/lifecycle/check-snapshot';
import { handler as stillCancelledStep } from '../../../lambdas/lifecycle/check-still-cancelled';
import { handler as markCancelledStep } from '../../../lambdas/lifecycle/mark-customer-cancelled';
import { handler as snapshotVolumeStep } from '../../../lambdas/lifecycle/snapshot-data-volume';
import {
  asTask,
  awsError,
  claimRefused,
  claimSucceeds,
  ctx,
  customerLifecycle,
  infrastructure,
  infrastructureReads,
  profileReads,
  recordedSteps,
  reservation,
  resetRepositories,
  startTime,
  transition,
} from './helpers';

const checkSnapshot = asTask('Check snapshot', checkSnapshotStep);
const stillCancelled = asTask('Still cancelled?', stillCancelledStep);
const markCancelled = asTask('Mark customer cancelled', markCancelledStep);
const snapshotVolume = asTask('Snapshot data volume', snapshotVolumeStep);

jest.mock('../../../lambdas/repositories/customer-lifecycle', () => jest.requireActual('./helpers').customerLifecycle);
jest.mock('../../../lambdas/repositories/infrastructure', () => jest.requireActual('./helpers').infrastructure);
jest.mock('../../../lambdas/repositories/provisioning-log', () => jest.requireActual('./helpers').provisioningLog);
const ec2 = mockClient(EC2Client);

beforeEach(() => {
  ec2.reset();
  resetRepositories();
  ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
});

describe('billing standing', () => {
  it.each([
    [{ billing: { subscriptionStatus: 'canceled' } }, true],
    [{ billing: { subscriptionStatus: 'incomplete_expired' } }, true],
    [{}, true],
    [{ billing: null }, true],
    [{ subscriptionStatus: 'cancelled' }, true],
    [{ billingStatus: 'canceled' }, true],
    [{ billing: { subscriptionStatus: 'active' } }, false],
    [{ billing: { subscriptionStatus: 'trialing' } }, false],
    [{ billing: { subscriptionStatus: 'unpaid' } }, false],
    [{ billing: { subscriptionStatus: 'past_due' } }, false],
  ])('%j is cancelled: %s', (customer, cancelled) => {
    expect(billingStanding(customer).cancelled).toBe(cancelled);
  });
});

describe('Still cancelled?', () => {
  const input = { ...ctx, executionStartTime: startTime };

  it('goes on, in charge, when the account is suspended and the subscription cancelled', async () => {
    profileReads({ status: 'suspended', billing: { subscriptionStatus: 'canceled' } });
    claimSucceeds({ status: 'suspended' });

    await expect(stillCancelled(input)).resolves.toEqual({ proceed: true, subdomain: 'acme.customers.stackpro.test', reason: 'subscription canceled' });
    const [[customerId, execution, startedAt, allowed]] = customerLifecycle.claimLifecycle.mock.calls;
    expect([customerId, execution, startedAt]).toEqual(['cust-1', 'acme-cust-1', startTime]);
    expect([...allowed].sort()).toEqual(['cancelled', 'suspended', 'suspending']);
  });

  it('goes on while a suspension is still under way (the claim makes it stand down)', async () => {
    profileReads({ status: 'suspending', billing: { subscriptionStatus: 'canceled' } });
    claimSucceeds({ status: 'suspending' });
    await expect(stillCancelled(input)).resolves.toMatchObject({ proceed: true });
  });

  it('treats a missing billing record as cancelled', async () => {
    profileReads({ status: 'cancelled' });
    claimSucceeds({ status: 'cancelled' });
    await expect(stillCancelled(input)).resolves.toMatchObject({ proceed: true, reason: 'subscription missing' });
  });

  it.each([
    [{ status: 'active' }, 'the account is active'],
    [{ status: 'resuming', billing: { subscriptionStatus: 'active' } }, 'the account is resuming'],
    [{ status: 'suspended', billing: { subscriptionStatus: 'trialing' } }, 'the subscription is trialing'],
  ])('keeps the customer (%j), claiming nothing', async (fields, reason) => {
    profileReads(fields);
    await expect(stillCancelled(input)).resolves.toEqual({ proceed: false, subdomain: 'acme.customers.stackpro.test', reason });
    expect(customerLifecycle.claimLifecycle).not.toHaveBeenCalled();
    expect(recordedSteps()).toContainEqual(['Still cancelled?', 'succeeded', `Kept: ${reason}`]);
  });

  it('keeps the customer when a workflow started since owns the account (a resume after paying again)', async () => {
    const later = { status: 'suspended', lifecycleExecutionName: 'resume-later', lifecycleStartedAt: '2030-01-20T00:00:00.000Z' };
    profileReads(later);
    claimRefused('superseded', later);
    await expect(stillCancelled(input)).resolves.toMatchObject({ proceed: false, reason: 'resume-later was started since' });
  });

  it('fails with CustomerNotFoundError when the account is gone', async () => {
    await expect(stillCancelled(input)).rejects.toMatchObject({ name: 'CustomerNotFoundError' });
  });
});

describe('Snapshot data volume', () => {
  it('snapshots the root volume with the final-backup tags and records the snapshot id', async () => {
    profileReads();
    infrastructureReads({ instanceId: 'i-1' });
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'stopped', rootVolume: 'vol-1' }));
    ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-1', State: 'pending' });

    await expect(snapshotVolume(ctx)).resolves.toEqual({ snapshotId: 'snap-1', done: false });

    const request = ec2.commandCalls(CreateSnapshotCommand)[0].args[0].input;
    expect(request.VolumeId).toBe('vol-1');
    expect(request.TagSpecifications).toEqual([
      {
        ResourceType: 'snapshot',
        Tags: [
          { Key: 'Customer', Value: 'cust-1' },
          { Key: 'ManagedBy', Value: 'stackpro' },
          { Key: 'Purpose', Value: 'final-backup' },
          { Key: 'Execution', Value: 'acme-cust-1' },
        ],
      },
    ]);
    const lookup = ec2.commandCalls(DescribeSnapshotsCommand)[0].args[0].input;
    expect(lookup.OwnerIds).toEqual(['self']);
    expect(lookup.Filters).toContainEqual({ Name: 'tag:Execution', Values: ['acme-cust-1'] });
    expect(infrastructure.updateInfrastructure).toHaveBeenCalledWith('cust-1', { finalSnapshotId: 'snap-1' });
  });

  it('reuses the snapshot this execution started before (a retried step)', async () => {
    profileReads();
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-1', State: 'completed' }] });
    await expect(snapshotVolume(ctx)).resolves.toEqual({ snapshotId: 'snap-1', done: true });
    expect(ec2.commandCalls(CreateSnapshotCommand)).toHaveLength(0);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  it('keeps an earlier final backup when the instance is gone already (a re-run)', async () => {
    profileReads();
    ec2.on(DescribeSnapshotsCommand).resolvesOnce({ Snapshots: [] }).resolves({ Snapshots: [{ SnapshotId: 'snap-old', State: 'completed' }] });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(snapshotVolume(ctx)).resolves.toEqual({ snapshotId: 'snap-old', done: true });
  });

  it('has nothing to back up when there is no instance and no backup', async () => {
    profileReads();
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(snapshotVolume(ctx)).resolves.toEqual({ snapshotId: null, done: true });
  });

  it('fails with SnapshotFailedError when the instance has no EBS volume', async () => {
    profileReads();
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'stopped' }));
    await expect(snapshotVolume(ctx)).rejects.toMatchObject({ name: 'SnapshotFailedError' });
  });

  it('lets an EC2 error through by name (e.g. SnapshotCreationPerVolumeRateExceeded, for the retry)', async () => {
    profileReads();
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'stopped', rootVolume: 'vol-1' }));
    ec2.on(CreateSnapshotCommand).rejects(awsError('SnapshotCreationPerVolumeRateExceeded'));
    await expect(snapshotVolume(ctx)).rejects.toMatchObject({ name: 'SnapshotCreationPerVolumeRateExceeded' });
  });

  it('stops with StaleExecutionError when a later workflow owns the account', async () => {
    profileReads({ lifecycleExecutionName: 'resume-later' });
    await expect(snapshotVolume(ctx)).rejects.toMatchObject({ name: 'StaleExecutionError' });
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('Check snapshot', () => {
  const poll = { ...ctx, snapshotId: 'snap-1' };

  it('is not ready while pending (NotReadyError), with the progress in the log', async () => {
    profileReads();
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-1', State: 'pending', Progress: '42%' }] });
    await expect(checkSnapshot(poll)).rejects.toMatchObject({ name: 'NotReadyError' });
    expect(recordedSteps()).toContainEqual(['Check snapshot', 'running', 'Snapshot snap-1 is still pending (42%)']);
  });

  it('is done once completed', async () => {
    profileReads();
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-1', State: 'completed' }] });
    await expect(checkSnapshot(poll)).resolves.toEqual({ snapshotId: 'snap-1' });
  });

  it('treats a snapshot id EC2 does not show yet as pending (eventual consistency)', async () => {
    profileReads();
    ec2.on(DescribeSnapshotsCommand).rejects(awsError('InvalidSnapshot.NotFound'));
    await expect(checkSnapshot(poll)).rejects.toMatchObject({ name: 'NotReadyError' });
  });

  it('fails with SnapshotFailedError when EBS reports an error, so nothing gets deleted', async () => {
    profileReads();
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-1', State: 'error', StateMessage: 'volume unreadable' }] });
    await expect(checkSnapshot(poll)).rejects.toMatchObject({ name: 'SnapshotFailedError', message: expect.stringContaining('volume unreadable') });
  });
});

describe('Mark customer cancelled', () => {
  it('cancels the account with services deleted, no public IP and the snapshot kept, whatever the status was', async () => {
    profileReads({ status: 'suspended' });

    await expect(markCancelled({ ...ctx, snapshotId: 'snap-1' })).resolves.toEqual({ status: 'cancelled', notify: true });

    // Whatever the status and whoever owns it (requireOwner false): the resources are gone.
    expect(transition()).toEqual({
      customerId: 'cust-1',
      executionName: 'acme-cust-1',
      to: 'cancelled',
      requireOwner: false,
      profile: { cancelledAt: expect.any(String) },
      infrastructure: { services: { website: 'deleted', crm: 'deleted', email: 'deleted' }, finalSnapshotId: 'snap-1' },
      infrastructureRemove: ['publicIp'],
    });
    // Each reused step logged under its own state name; no summary entry is needed to close anything.
    expect(recordedSteps()).toEqual([['Mark customer cancelled', 'succeeded', 'Cancelled; final backup snap-1 kept']]);
  });

  it('does not email again for an account another execution cancelled', async () => {
    profileReads({ status: 'cancelled', statusChangedBy: 'deprovision-earlier', cancelledAt: '2030-01-01T00:00:00.000Z' });
    await expect(markCancelled({ ...ctx, snapshotId: null })).resolves.toEqual({ status: 'cancelled', notify: false });
    // The first cancellation time stays.
    expect(transition().profile).toEqual({ cancelledAt: '2030-01-01T00:00:00.000Z' });
  });

  it('fails with CustomerNotFoundError when the account is gone', async () => {
    await expect(markCancelled({ ...ctx, snapshotId: 'snap-1' })).rejects.toMatchObject({ name: 'CustomerNotFoundError' });
    expect(customerLifecycle.applyLifecycleTransition).not.toHaveBeenCalled();
  });
});

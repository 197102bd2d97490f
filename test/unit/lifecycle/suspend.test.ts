import { DescribeInstancesCommand, EC2Client, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as checkStoppedStep } from '../../../lambdas/lifecycle/check-instance-stopped';
import { handler as markSuspendedStep } from '../../../lambdas/lifecycle/mark-customer-suspended';
import { handler as stopInstanceStep } from '../../../lambdas/lifecycle/stop-instance';
import {
  asTask,
  awsError,
  billingLapses,
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
  transitionRefused,
} from './helpers';

const checkStopped = asTask('Check instance stopped', checkStoppedStep);
const markSuspended = asTask('Mark customer suspended', markSuspendedStep);
const stopInstance = asTask('Stop instance', stopInstanceStep);

jest.mock('../../../lambdas/repositories/customer-lifecycle', () => jest.requireActual('./helpers').customerLifecycle);
jest.mock('../../../lambdas/repositories/infrastructure', () => jest.requireActual('./helpers').infrastructure);
jest.mock('../../../lambdas/repositories/billing-lapses', () => jest.requireActual('./helpers').billingLapses);
jest.mock('../../../lambdas/repositories/provisioning-log', () => jest.requireActual('./helpers').provisioningLog);
const ec2 = mockClient(EC2Client);
const input = { ...ctx, executionStartTime: startTime, reason: 'unpaid' };

beforeEach(() => {
  ec2.reset();
  resetRepositories();
  ec2.on(StopInstancesCommand).resolves({ StoppingInstances: [{ InstanceId: 'i-1', CurrentState: { Name: 'stopping' } }] });
});

describe('Stop instance', () => {
  it('claims the account, then stops the instance provisioning recorded', async () => {
    claimSucceeds();
    infrastructureReads({ instanceId: 'i-1' });
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'running', ip: '198.51.100.7' }));

    await expect(stopInstance(input)).resolves.toEqual({ instanceId: 'i-1', state: 'stopping', done: false });

    const [[customerId, execution, startedAt, allowed]] = customerLifecycle.claimLifecycle.mock.calls;
    expect([customerId, execution, startedAt]).toEqual(['cust-1', 'acme-cust-1', startTime]);
    expect([...allowed].sort()).toEqual(['active', 'cancelled', 'past_due', 'suspended', 'suspending']);
    expect(infrastructure.getInfrastructure).toHaveBeenCalledWith('cust-1');
    expect(customerLifecycle.claimLifecycle.mock.invocationCallOrder[0]).toBeLessThan(infrastructure.getInfrastructure.mock.invocationCallOrder[0]);
    expect(ec2.commandCalls(StopInstancesCommand)[0].args[0].input).toEqual({ InstanceIds: ['i-1'] });
    expect(recordedSteps()).toContainEqual(['Stop instance', 'succeeded', 'Instance i-1 is stopping']);
  });

  it('finds the instance by its Customer tag when none is recorded, and is done if it is stopped already', async () => {
    claimSucceeds();
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'stopped' }));

    await expect(stopInstance(input)).resolves.toEqual({ instanceId: 'i-1', state: 'stopped', done: true });

    expect(ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters).toContainEqual({ Name: 'tag:Customer', Values: ['cust-1'] });
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(0);
  });

  it('leaves a pending instance for the check loop (EC2 cannot stop it yet)', async () => {
    claimSucceeds();
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'pending' }));
    await expect(stopInstance(input)).resolves.toEqual({ instanceId: 'i-1', state: 'pending', done: false });
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(0);
  });

  it('tolerates IncorrectInstanceState (the instance moved on between describe and stop)', async () => {
    claimSucceeds();
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'running' }));
    ec2.on(StopInstancesCommand).rejects(awsError('IncorrectInstanceState'));
    await expect(stopInstance(input)).resolves.toMatchObject({ instanceId: 'i-1', done: false });
  });

  it('has nothing to stop for a cancelled customer whose instance is gone', async () => {
    claimSucceeds({ status: 'cancelled' });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(stopInstance(input)).resolves.toEqual({ instanceId: null, state: 'none', done: true });
  });

  it('fails with InstanceNotFoundError when a live customer has no instance', async () => {
    claimSucceeds();
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(stopInstance(input)).rejects.toMatchObject({ name: 'InstanceNotFoundError' });
  });

  it.each([
    ['CustomerNotFoundError', 'missing', {}],
    ['StaleExecutionError', 'superseded', { lifecycleExecutionName: 'resume-newer', lifecycleStartedAt: '2030-01-02T00:00:00.000Z' }],
    ['CustomerStatusConflictError', 'wrong-status', { status: 'provisioning' }],
  ] as const)('fails with %s when the claim is refused (%s), before touching EC2', async (name, outcome, fields) => {
    claimRefused(outcome, fields);
    await expect(stopInstance(input)).rejects.toMatchObject({ name });
    expect(ec2.calls()).toHaveLength(0);
  });

  it('refuses a reason that is not a short code', async () => {
    await expect(stopInstance({ ...input, reason: 'Not paid!' })).rejects.toThrow();
    expect(customerLifecycle.claimLifecycle).not.toHaveBeenCalled();
    expect(ec2.calls()).toHaveLength(0);
  });

  it('rethrows a throttled EC2 call as TransientError, the one name the state machine retries', async () => {
    claimSucceeds();
    ec2.on(DescribeInstancesCommand).rejects(awsError('RequestLimitExceeded'));
    await expect(stopInstance(input)).rejects.toMatchObject({ name: 'TransientError', message: 'RequestLimitExceeded' });
  });
});

describe('Check instance stopped', () => {
  const poll = { ...ctx, instanceId: 'i-1' };

  it('is done once the instance is stopped', async () => {
    profileReads();
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'stopped' }));
    await expect(checkStopped(poll)).resolves.toEqual({ instanceId: 'i-1', state: 'stopped' });
    expect(recordedSteps()[0].slice(0, 2)).toEqual(['Check instance stopped', 'succeeded']);
  });

  it('asks a running instance to stop again', async () => {
    profileReads();
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'running' }));
    await expect(checkStopped(poll)).rejects.toMatchObject({ name: 'NotReadyError', message: 'Instance i-1 is still stopping' });
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(1);
  });

  it('is not ready while stopping: NotReadyError, logged as running (the Task retries it)', async () => {
    profileReads();
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'stopping' }));
    await expect(checkStopped(poll)).rejects.toMatchObject({ name: 'NotReadyError' });
    expect(recordedSteps()[0]).toEqual(['Check instance stopped', 'running', 'Instance i-1 is still stopping']);
  });

  it.each(['terminated', 'shutting-down'])('fails with InstanceLostError when the instance is %s', async (state) => {
    profileReads();
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state }));
    await expect(checkStopped(poll)).rejects.toMatchObject({ name: 'InstanceLostError' });
  });

  it('fails with InstanceLostError when EC2 does not know the instance', async () => {
    profileReads();
    ec2.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    await expect(checkStopped(poll)).rejects.toMatchObject({ name: 'InstanceLostError' });
  });

  it('stops with StaleExecutionError once a later workflow owns the account, without touching EC2', async () => {
    profileReads({ lifecycleExecutionName: 'resume-newer' });
    await expect(checkStopped(poll)).rejects.toMatchObject({ name: 'StaleExecutionError' });
    expect(customerLifecycle.getLifecycleCustomer).toHaveBeenCalledWith('cust-1');
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('Mark customer suspended', () => {
  const mark = { ...ctx, reason: 'unpaid' };

  it('suspends the account and its services in one transaction, only from active, past_due or suspending, only as owner', async () => {
    await expect(markSuspended(mark)).resolves.toEqual({ status: 'suspended', notify: true });

    // The one transaction (status and services together, only as owner: requireOwner defaults to true).
    expect(transition()).toEqual({
      customerId: 'cust-1',
      executionName: 'acme-cust-1',
      to: 'suspended',
      from: ['active', 'past_due', 'suspending'],
      profile: { suspendedAt: expect.any(String), suspensionReason: 'unpaid' },
      infrastructure: { services: { website: 'suspended', crm: 'suspended', email: 'suspended' } },
    });
    expect(infrastructure.updateInfrastructure).not.toHaveBeenCalled();
  });

  it('notes the suspension for the retention sweep first, under the suspendedAt it stores', async () => {
    await markSuspended(mark);
    const [[customerId, suspendedAt]] = billingLapses.putLapseMarker.mock.calls;
    expect(customerId).toBe('cust-1');
    expect(transition().profile).toMatchObject({ suspendedAt });
    expect(billingLapses.putLapseMarker.mock.invocationCallOrder[0]).toBeLessThan(customerLifecycle.applyLifecycleTransition.mock.invocationCallOrder[0]);
  });

  it('still owes the email when a retry finds its own earlier change', async () => {
    transitionRefused({ status: 'suspended', statusChangedBy: 'acme-cust-1' });
    await expect(markSuspended(mark)).resolves.toEqual({ status: 'suspended', notify: true });
    expect(infrastructure.updateInfrastructure).not.toHaveBeenCalled();
  });

  it('does not email again when another execution suspended the account, but keeps the services suspended', async () => {
    transitionRefused({ status: 'suspended', statusChangedBy: 'suspend-earlier' });
    await expect(markSuspended(mark)).resolves.toEqual({ status: 'suspended', notify: false });
    expect(infrastructure.updateInfrastructure).toHaveBeenCalledWith('cust-1', { services: { website: 'suspended', crm: 'suspended', email: 'suspended' } });
  });

  it('leaves a cancelled customer alone', async () => {
    transitionRefused({ status: 'cancelled' });
    await expect(markSuspended(mark)).resolves.toEqual({ status: 'cancelled', notify: false });
    expect(infrastructure.updateInfrastructure).not.toHaveBeenCalled();
  });

  it.each([
    ['StaleExecutionError', { status: 'resuming' }],
    ['StaleExecutionError', { status: 'suspending', lifecycleExecutionName: 'suspend-newer' }],
    ['CustomerStatusConflictError', { status: 'failed' }],
  ])('fails with %s when the account moved on (%j)', async (name, fields) => {
    transitionRefused(fields);
    await expect(markSuspended(mark)).rejects.toMatchObject({ name });
  });

  it('fails with CustomerNotFoundError when the account is gone', async () => {
    transitionRefused(undefined);
    await expect(markSuspended(mark)).rejects.toMatchObject({ name: 'CustomerNotFoundError' });
  });
});

import { DescribeInstancesCommand, EC2Client, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as checkStoppedStep } from '../../../lambdas/lifecycle/check-instance-stopped';
import { handler as markSuspendedStep } from '../../../lambdas/lifecycle/mark-customer-suspended';
import { handler as stopInstanceStep } from '../../../lambdas/lifecycle/stop-instance';
import { asTask,
  awsError,
  claimRefused,
  claimSucceeds,
  ctx,
  infrastructureReads,
  mockTable,
  profile,
  profileReads,
  reservation,
  startTime,
  stepLog,
  transaction,
  transactionCancelled,
} from './helpers';

const checkStopped = asTask('Check instance stopped', checkStoppedStep);
const markSuspended = asTask('Mark customer suspended', markSuspendedStep);
const stopInstance = asTask('Stop instance', stopInstanceStep);

const ec2 = mockClient(EC2Client);
const table = mockTable();
const input = { ...ctx, executionStartTime: startTime, reason: 'unpaid' };

beforeEach(() => {
  ec2.reset();
  table.reset();
  ec2.on(StopInstancesCommand).resolves({ StoppingInstances: [{ InstanceId: 'i-1', CurrentState: { Name: 'stopping' } }] });
});

describe('Stop instance', () => {
  it('claims the account, then stops the instance provisioning recorded', async () => {
    claimSucceeds(table.ddb);
    infrastructureReads(table.ddb, { instanceId: 'i-1' });
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'running', ip: '198.51.100.7' }));

    await expect(stopInstance(input)).resolves.toEqual({ instanceId: 'i-1', state: 'stopping', done: false });

    const claim = table.ddb.commandCalls(UpdateCommand).find((c) => c.args[0].input.ReturnValues === 'ALL_NEW')!.args[0].input;
    expect(claim.ExpressionAttributeValues).toMatchObject({ ':execution': 'acme-cust-1', ':startedAt': startTime });
    expect(Object.values(claim.ExpressionAttributeValues!)).toEqual(expect.arrayContaining(['active', 'past_due', 'suspending', 'suspended', 'cancelled']));
    expect(ec2.commandCalls(StopInstancesCommand)[0].args[0].input).toEqual({ InstanceIds: ['i-1'] });
    expect(stepLog(table.ddb)).toContainEqual(['Stop instance', 'succeeded', 'Instance i-1 is stopping']);
  });

  it('finds the instance by its Customer tag when none is recorded, and is done if it is stopped already', async () => {
    claimSucceeds(table.ddb);
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'stopped' }));

    await expect(stopInstance(input)).resolves.toEqual({ instanceId: 'i-1', state: 'stopped', done: true });

    expect(ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters).toContainEqual({ Name: 'tag:Customer', Values: ['cust-1'] });
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(0);
  });

  it('leaves a pending instance for the check loop (EC2 cannot stop it yet)', async () => {
    claimSucceeds(table.ddb);
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'pending' }));
    await expect(stopInstance(input)).resolves.toEqual({ instanceId: 'i-1', state: 'pending', done: false });
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(0);
  });

  it('tolerates IncorrectInstanceState (the instance moved on between describe and stop)', async () => {
    claimSucceeds(table.ddb);
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'running' }));
    ec2.on(StopInstancesCommand).rejects(awsError('IncorrectInstanceState'));
    await expect(stopInstance(input)).resolves.toMatchObject({ instanceId: 'i-1', done: false });
  });

  it('has nothing to stop for a cancelled customer whose instance is gone', async () => {
    claimSucceeds(table.ddb, { status: 'cancelled' });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(stopInstance(input)).resolves.toEqual({ instanceId: null, state: 'none', done: true });
  });

  it('fails with InstanceNotFoundError when a live customer has no instance', async () => {
    claimSucceeds(table.ddb);
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(stopInstance(input)).rejects.toMatchObject({ name: 'InstanceNotFoundError' });
  });

  it.each([
    ['CustomerNotFoundError', undefined],
    ['StaleExecutionError', profile({ lifecycleExecutionName: 'resume-newer', lifecycleStartedAt: '2030-01-02T00:00:00.000Z' })],
    ['CustomerStatusConflictError', profile({ status: 'provisioning' })],
  ])('fails with %s when the claim is refused, before touching EC2', async (name, item) => {
    claimRefused(table.ddb, item);
    await expect(stopInstance(input)).rejects.toMatchObject({ name });
    expect(ec2.calls()).toHaveLength(0);
  });

  it('refuses a reason that is not a short code', async () => {
    await expect(stopInstance({ ...input, reason: 'Not paid!' })).rejects.toThrow();
    expect(table.ddb.calls()).toHaveLength(0);
  });

  it('rethrows a throttled EC2 call as TransientError, the one name the state machine retries', async () => {
    claimSucceeds(table.ddb);
    ec2.on(DescribeInstancesCommand).rejects(awsError('RequestLimitExceeded'));
    await expect(stopInstance(input)).rejects.toMatchObject({ name: 'TransientError', message: 'RequestLimitExceeded' });
  });
});

describe('Check instance stopped', () => {
  const poll = { ...ctx, instanceId: 'i-1' };

  it('is done once the instance is stopped', async () => {
    profileReads(table.ddb);
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'stopped' }));
    await expect(checkStopped(poll)).resolves.toEqual({ instanceId: 'i-1', state: 'stopped' });
    expect(stepLog(table.ddb)[0].slice(0, 2)).toEqual(['Check instance stopped', 'succeeded']);
  });

  it('asks a running instance to stop again', async () => {
    profileReads(table.ddb);
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'running' }));
    await expect(checkStopped(poll)).rejects.toMatchObject({ name: 'NotReadyError', message: 'Instance i-1 is still stopping' });
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(1);
  });

  it('is not ready while stopping: NotReadyError, logged as running (the Task retries it)', async () => {
    profileReads(table.ddb);
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'stopping' }));
    await expect(checkStopped(poll)).rejects.toMatchObject({ name: 'NotReadyError' });
    expect(stepLog(table.ddb)[0]).toEqual(['Check instance stopped', 'running', 'Instance i-1 is still stopping']);
  });

  it.each(['terminated', 'shutting-down'])('fails with InstanceLostError when the instance is %s', async (state) => {
    profileReads(table.ddb);
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state }));
    await expect(checkStopped(poll)).rejects.toMatchObject({ name: 'InstanceLostError' });
  });

  it('fails with InstanceLostError when EC2 does not know the instance', async () => {
    profileReads(table.ddb);
    ec2.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    await expect(checkStopped(poll)).rejects.toMatchObject({ name: 'InstanceLostError' });
  });

  it('stops with StaleExecutionError once a later workflow owns the account, without touching EC2', async () => {
    profileReads(table.ddb, { lifecycleExecutionName: 'resume-newer' });
    await expect(checkStopped(poll)).rejects.toMatchObject({ name: 'StaleExecutionError' });
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('Mark customer suspended', () => {
  const mark = { ...ctx, reason: 'unpaid' };

  it('suspends the account and its services in one transaction, only from active, past_due or suspending, only as owner', async () => {
    await expect(markSuspended(mark)).resolves.toEqual({ status: 'suspended', notify: true });

    const { profileUpdate, infrastructureUpdate } = transaction(table.ddb);
    expect(profileUpdate.Key).toEqual({ pk: 'CUSTOMER#cust-1', sk: 'PROFILE' });
    expect(profileUpdate.ConditionExpression).toContain('lifecycleExecutionName = :execution');
    expect(profileUpdate.ExpressionAttributeValues).toMatchObject({ ':to': 'suspended', ':execution': 'acme-cust-1', ':from0': 'active', ':from1': 'past_due', ':from2': 'suspending' });
    expect(Object.values(profileUpdate.ExpressionAttributeValues!)).toContain('unpaid');
    expect(infrastructureUpdate.Key).toEqual({ pk: 'CUSTOMER#cust-1', sk: 'INFRASTRUCTURE' });
    expect(Object.values(infrastructureUpdate.ExpressionAttributeValues!)).toContainEqual({ website: 'suspended', crm: 'suspended', email: 'suspended' });
  });

  it('notes the suspension for the retention sweep first, under the suspendedAt it stores', async () => {
    await markSuspended(mark);
    const marker = table.ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item!).find((item) => item.pk === 'BILLINGLAPSE')!;
    const { profileUpdate } = transaction(table.ddb);
    expect(marker).toMatchObject({ sk: `${marker.suspendedAt}#cust-1`, customerId: 'cust-1' });
    expect(Object.values(profileUpdate.ExpressionAttributeValues!)).toContain(marker.suspendedAt);
  });

  it('still owes the email when a retry finds its own earlier change', async () => {
    table.ddb.on(TransactWriteCommand).rejects(transactionCancelled());
    profileReads(table.ddb, { status: 'suspended', statusChangedBy: 'acme-cust-1' });
    await expect(markSuspended(mark)).resolves.toEqual({ status: 'suspended', notify: true });
  });

  it('does not email again when another execution suspended the account, but keeps the services suspended', async () => {
    table.ddb.on(TransactWriteCommand).rejects(transactionCancelled());
    profileReads(table.ddb, { status: 'suspended', statusChangedBy: 'suspend-earlier' });
    await expect(markSuspended(mark)).resolves.toEqual({ status: 'suspended', notify: false });
    const infra = table.ddb.commandCalls(UpdateCommand).find((c) => c.args[0].input.Key?.sk === 'INFRASTRUCTURE');
    expect(Object.values(infra!.args[0].input.ExpressionAttributeValues!)).toContainEqual({ website: 'suspended', crm: 'suspended', email: 'suspended' });
  });

  it('leaves a cancelled customer alone', async () => {
    table.ddb.on(TransactWriteCommand).rejects(transactionCancelled());
    profileReads(table.ddb, { status: 'cancelled' });
    await expect(markSuspended(mark)).resolves.toEqual({ status: 'cancelled', notify: false });
  });

  it.each([
    ['StaleExecutionError', { status: 'resuming' }],
    ['StaleExecutionError', { status: 'suspending', lifecycleExecutionName: 'suspend-newer' }],
    ['CustomerStatusConflictError', { status: 'failed' }],
  ])('fails with %s when the account moved on (%j)', async (name, fields) => {
    table.ddb.on(TransactWriteCommand).rejects(transactionCancelled());
    profileReads(table.ddb, fields);
    await expect(markSuspended(mark)).rejects.toMatchObject({ name });
  });

  it('fails with CustomerNotFoundError when the account is gone', async () => {
    table.ddb.on(TransactWriteCommand).rejects(transactionCancelled());
    await expect(markSuspended(mark)).rejects.toMatchObject({ name: 'CustomerNotFoundError' });
  });
});

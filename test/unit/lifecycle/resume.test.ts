import { DescribeInstancesCommand, EC2Client, StartInstancesCommand } from '@aws-sdk/client-ec2';
import { GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as checkStartedStep } from '../../../lambdas/lifecycle/check-instance-started';
import { handler as markActiveStep } from '../../../lambdas/lifecycle/mark-customer-active';
import { handler as startInstanceStep } from '../../../lambdas/lifecycle/start-instance';
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
  transaction,
  transactionCancelled,
} from './helpers';

const checkStarted = asTask('Check instance running', checkStartedStep);
const markActive = asTask('Mark customer active', markActiveStep);
const startInstance = asTask('Start instance', startInstanceStep);

const ec2 = mockClient(EC2Client);
const ses = mockClient(SESv2Client);
const table = mockTable();
const input = { ...ctx, executionStartTime: startTime };

beforeEach(() => {
  ec2.reset();
  ses.reset();
  table.reset();
  ec2.on(StartInstancesCommand).resolves({ StartingInstances: [{ InstanceId: 'i-1', CurrentState: { Name: 'pending' } }] });
  ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: true });
});

describe('Start instance', () => {
  it('claims the account, starts the stopped instance and hands on the address DNS points at now', async () => {
    claimSucceeds(table.ddb, { status: 'resuming' });
    infrastructureReads(table.ddb, { instanceId: 'i-1', publicIp: '198.51.100.7' });
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'stopped' }));

    await expect(startInstance(input)).resolves.toEqual({ instanceId: 'i-1', previousIp: '198.51.100.7', subdomain: 'acme.customers.stackpro.test' });

    const claim = table.ddb.commandCalls(UpdateCommand).find((c) => c.args[0].input.ReturnValues === 'ALL_NEW')!.args[0].input;
    expect(Object.values(claim.ExpressionAttributeValues!)).toEqual(expect.arrayContaining(['resuming', 'suspended', 'active', 'past_due']));
    expect(Object.values(claim.ExpressionAttributeValues!)).not.toContain('cancelled');
    expect(ec2.commandCalls(StartInstancesCommand)[0].args[0].input).toEqual({ InstanceIds: ['i-1'] });
  });

  it.each(['running', 'pending', 'stopping'])('does not call StartInstances on a %s instance (the loop handles it)', async (state) => {
    claimSucceeds(table.ddb, { status: 'resuming' });
    infrastructureReads(table.ddb, { instanceId: 'i-1' });
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state }));
    await expect(startInstance(input)).resolves.toMatchObject({ instanceId: 'i-1', previousIp: '' });
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(0);
  });

  it('fails with InstanceNotFoundError when the customer has no instance left', async () => {
    claimSucceeds(table.ddb, { status: 'resuming' });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(startInstance(input)).rejects.toMatchObject({ name: 'InstanceNotFoundError' });
  });

  it('lets InsufficientInstanceCapacity through by name (the state machine retries it with a long backoff)', async () => {
    claimSucceeds(table.ddb, { status: 'resuming' });
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'stopped' }));
    ec2.on(StartInstancesCommand).rejects(awsError('InsufficientInstanceCapacity'));
    await expect(startInstance(input)).rejects.toMatchObject({ name: 'InsufficientInstanceCapacity' });
  });

  it.each([
    ['CustomerStatusConflictError', profile({ status: 'cancelled' })],
    ['StaleExecutionError', profile({ status: 'suspending', lifecycleExecutionName: 'suspend-newer', lifecycleStartedAt: '2030-02-01T00:00:00.000Z' })],
    ['CustomerNotFoundError', undefined],
  ])('fails with %s when the claim is refused, before touching EC2', async (name, item) => {
    claimRefused(table.ddb, item);
    await expect(startInstance(input)).rejects.toMatchObject({ name });
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('Check instance running', () => {
  const poll = { ...ctx, instanceId: 'i-1' };

  it('is done once the instance runs with a public IP', async () => {
    profileReads(table.ddb, { status: 'resuming' });
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'running', ip: '203.0.113.9' }));
    await expect(checkStarted(poll)).resolves.toEqual({ instanceId: 'i-1', publicIp: '203.0.113.9' });
  });

  it('starts an instance that was still stopping when the resume began', async () => {
    profileReads(table.ddb, { status: 'resuming' });
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'stopped' }));
    await expect(checkStarted(poll)).rejects.toMatchObject({ name: 'NotReadyError', message: 'Instance i-1 is still pending' });
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(1);
  });

  it('is not ready (NotReadyError, retried by the Task) while running without a public IP yet', async () => {
    profileReads(table.ddb, { status: 'resuming' });
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'running' }));
    await expect(checkStarted(poll)).rejects.toMatchObject({ name: 'NotReadyError', message: 'Instance i-1 is still running without a public IP' });
  });

  it('fails with InstanceLostError when the instance was terminated', async () => {
    profileReads(table.ddb, { status: 'resuming' });
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'terminated' }));
    await expect(checkStarted(poll)).rejects.toMatchObject({ name: 'InstanceLostError' });
  });

  it('stops with StaleExecutionError once a suspension started later owns the account', async () => {
    profileReads(table.ddb, { status: 'suspending', lifecycleExecutionName: 'suspend-newer' });
    await expect(checkStarted(poll)).rejects.toMatchObject({ name: 'StaleExecutionError' });
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('Mark customer active', () => {
  const mark = { ...ctx, instanceId: 'i-1', publicIp: '203.0.113.9', subdomain: 'acme.customers.stackpro.test' };

  it('makes the account active with the new IP and running services in one transaction, only from resuming or suspended', async () => {
    await expect(markActive(mark)).resolves.toEqual({ status: 'active', notify: true });

    const { profileUpdate, infrastructureUpdate } = transaction(table.ddb);
    expect(profileUpdate.ExpressionAttributeValues).toMatchObject({ ':to': 'active', ':from0': 'resuming', ':from1': 'suspended' });
    expect(Object.values(infrastructureUpdate.ExpressionAttributeValues!)).toEqual(
      expect.arrayContaining(['i-1', '203.0.113.9', { website: 'running', crm: 'running', email: 'running' }]),
    );
  });

  it('shows email pending verification when SES has not verified the domain', async () => {
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: false });
    await markActive(mark);
    const { infrastructureUpdate } = transaction(table.ddb);
    expect(Object.values(infrastructureUpdate.ExpressionAttributeValues!)).toContainEqual({ website: 'running', crm: 'running', email: 'pending_verification' });
  });

  it('records the new IP on an account that is live already, without a second email', async () => {
    table.ddb.on(TransactWriteCommand).rejects(transactionCancelled());
    profileReads(table.ddb, { status: 'past_due' });
    await expect(markActive(mark)).resolves.toEqual({ status: 'past_due', notify: false });
    const infra = table.ddb.commandCalls(UpdateCommand).find((c) => c.args[0].input.Key?.sk === 'INFRASTRUCTURE');
    expect(Object.values(infra!.args[0].input.ExpressionAttributeValues!)).toContain('203.0.113.9');
  });

  it('still owes the email when a retry finds its own earlier change', async () => {
    table.ddb.on(TransactWriteCommand).rejects(transactionCancelled());
    profileReads(table.ddb, { status: 'active', statusChangedBy: 'acme-cust-1' });
    await expect(markActive(mark)).resolves.toEqual({ status: 'active', notify: true });
  });

  it.each([
    ['StaleExecutionError', { status: 'suspending' }],
    ['StaleExecutionError', { status: 'suspended', lifecycleExecutionName: 'suspend-newer' }],
    ['CustomerStatusConflictError', { status: 'cancelled' }],
  ])('fails with %s when the account moved on (%j)', async (name, fields) => {
    table.ddb.on(TransactWriteCommand).rejects(transactionCancelled());
    profileReads(table.ddb, fields);
    await expect(markActive(mark)).rejects.toMatchObject({ name });
  });

  it('refuses a public IP that is not IPv4', async () => {
    await expect(markActive({ ...mark, publicIp: 'evil.example.com' })).rejects.toThrow();
    expect(table.ddb.calls()).toHaveLength(0);
  });
});

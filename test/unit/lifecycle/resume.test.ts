import { DescribeInstancesCommand, EC2Client, StartInstancesCommand } from '@aws-sdk/client-ec2';
import { GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as checkStartedStep } from '../../../lambdas/lifecycle/check-instance-started';
import { handler as markActiveStep } from '../../../lambdas/lifecycle/mark-customer-active';
import { handler as startInstanceStep } from '../../../lambdas/lifecycle/start-instance';
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
  reservation,
  resetRepositories,
  startTime,
  transition,
  transitionRefused,
} from './helpers';

const checkStarted = asTask('Check instance running', checkStartedStep);
const markActive = asTask('Mark customer active', markActiveStep);
const startInstance = asTask('Start instance', startInstanceStep);

jest.mock('../../../lambdas/repositories/customer-lifecycle', () => jest.requireActual('./helpers').customerLifecycle);
jest.mock('../../../lambdas/repositories/infrastructure', () => jest.requireActual('./helpers').infrastructure);
jest.mock('../../../lambdas/repositories/provisioning-log', () => jest.requireActual('./helpers').provisioningLog);
const ec2 = mockClient(EC2Client);
const ses = mockClient(SESv2Client);
const input = { ...ctx, executionStartTime: startTime };

beforeEach(() => {
  ec2.reset();
  ses.reset();
  resetRepositories();
  ec2.on(StartInstancesCommand).resolves({ StartingInstances: [{ InstanceId: 'i-1', CurrentState: { Name: 'pending' } }] });
  ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: true });
});

describe('Start instance', () => {
  it('claims the account, starts the stopped instance and hands on the address DNS points at now', async () => {
    claimSucceeds({ status: 'resuming' });
    infrastructureReads({ instanceId: 'i-1', publicIp: '198.51.100.7' });
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'stopped' }));

    await expect(startInstance(input)).resolves.toEqual({ instanceId: 'i-1', previousIp: '198.51.100.7', subdomain: 'acme.customers.stackpro.test' });

    const [[customerId, execution, startedAt, allowed]] = customerLifecycle.claimLifecycle.mock.calls;
    expect([customerId, execution, startedAt]).toEqual(['cust-1', 'acme-cust-1', startTime]);
    expect([...allowed].sort()).toEqual(['active', 'past_due', 'resuming', 'suspended']);
    expect(ec2.commandCalls(StartInstancesCommand)[0].args[0].input).toEqual({ InstanceIds: ['i-1'] });
  });

  it.each(['running', 'pending', 'stopping'])('does not call StartInstances on a %s instance (the loop handles it)', async (state) => {
    claimSucceeds({ status: 'resuming' });
    infrastructureReads({ instanceId: 'i-1' });
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state }));
    await expect(startInstance(input)).resolves.toMatchObject({ instanceId: 'i-1', previousIp: '' });
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(0);
  });

  it('fails with InstanceNotFoundError when the customer has no instance left', async () => {
    claimSucceeds({ status: 'resuming' });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(startInstance(input)).rejects.toMatchObject({ name: 'InstanceNotFoundError' });
  });

  it('lets InsufficientInstanceCapacity through by name (the state machine retries it with a long backoff)', async () => {
    claimSucceeds({ status: 'resuming' });
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'stopped' }));
    ec2.on(StartInstancesCommand).rejects(awsError('InsufficientInstanceCapacity'));
    await expect(startInstance(input)).rejects.toMatchObject({ name: 'InsufficientInstanceCapacity' });
  });

  it.each([
    ['CustomerStatusConflictError', 'wrong-status', { status: 'cancelled' }],
    ['StaleExecutionError', 'superseded', { status: 'suspending', lifecycleExecutionName: 'suspend-newer', lifecycleStartedAt: '2030-02-01T00:00:00.000Z' }],
    ['CustomerNotFoundError', 'missing', {}],
  ] as const)('fails with %s when the claim is refused (%s), before touching EC2', async (name, outcome, fields) => {
    claimRefused(outcome, fields);
    await expect(startInstance(input)).rejects.toMatchObject({ name });
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('Check instance running', () => {
  const poll = { ...ctx, instanceId: 'i-1' };

  it('is done once the instance runs with a public IP', async () => {
    profileReads({ status: 'resuming' });
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'running', ip: '203.0.113.9' }));
    await expect(checkStarted(poll)).resolves.toEqual({ instanceId: 'i-1', publicIp: '203.0.113.9' });
  });

  it('starts an instance that was still stopping when the resume began', async () => {
    profileReads({ status: 'resuming' });
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'stopped' }));
    await expect(checkStarted(poll)).rejects.toMatchObject({ name: 'NotReadyError', message: 'Instance i-1 is still pending' });
    expect(ec2.commandCalls(StartInstancesCommand)).toHaveLength(1);
  });

  it('is not ready (NotReadyError, retried by the Task) while running without a public IP yet', async () => {
    profileReads({ status: 'resuming' });
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'running' }));
    await expect(checkStarted(poll)).rejects.toMatchObject({ name: 'NotReadyError', message: 'Instance i-1 is still running without a public IP' });
  });

  it('fails with InstanceLostError when the instance was terminated', async () => {
    profileReads({ status: 'resuming' });
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'terminated' }));
    await expect(checkStarted(poll)).rejects.toMatchObject({ name: 'InstanceLostError' });
  });

  it('stops with StaleExecutionError once a suspension started later owns the account', async () => {
    profileReads({ status: 'suspending', lifecycleExecutionName: 'suspend-newer' });
    await expect(checkStarted(poll)).rejects.toMatchObject({ name: 'StaleExecutionError' });
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('Mark customer active', () => {
  const mark = { ...ctx, instanceId: 'i-1', publicIp: '203.0.113.9', subdomain: 'acme.customers.stackpro.test' };

  it('makes the account active with the new IP and running services in one transaction, only from resuming or suspended', async () => {
    await expect(markActive(mark)).resolves.toEqual({ status: 'active', notify: true });

    expect(transition()).toMatchObject({
      customerId: 'cust-1',
      executionName: 'acme-cust-1',
      to: 'active',
      from: ['resuming', 'suspended'],
      infrastructure: { instanceId: 'i-1', publicIp: '203.0.113.9', services: { website: 'running', crm: 'running', email: 'running' } },
    });
    expect(transition().requireOwner).not.toBe(false);
    expect(infrastructure.updateInfrastructure).not.toHaveBeenCalled();
  });

  it('shows email pending verification when SES has not verified the domain', async () => {
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: false });
    await markActive(mark);
    expect(transition().infrastructure).toMatchObject({ services: { website: 'running', crm: 'running', email: 'pending_verification' } });
  });

  it('records the new IP on an account that is live already, without a second email', async () => {
    transitionRefused({ status: 'past_due' });
    await expect(markActive(mark)).resolves.toEqual({ status: 'past_due', notify: false });
    expect(infrastructure.updateInfrastructure).toHaveBeenCalledWith('cust-1', expect.objectContaining({ instanceId: 'i-1', publicIp: '203.0.113.9' }));
  });

  it('still owes the email when a retry finds its own earlier change', async () => {
    transitionRefused({ status: 'active', statusChangedBy: 'acme-cust-1' });
    await expect(markActive(mark)).resolves.toEqual({ status: 'active', notify: true });
    expect(infrastructure.updateInfrastructure).not.toHaveBeenCalled();
  });

  it.each([
    ['StaleExecutionError', { status: 'suspending' }],
    ['StaleExecutionError', { status: 'suspended', lifecycleExecutionName: 'suspend-newer' }],
    ['CustomerStatusConflictError', { status: 'cancelled' }],
  ])('fails with %s when the account moved on (%j)', async (name, fields) => {
    transitionRefused(fields);
    await expect(markActive(mark)).rejects.toMatchObject({ name });
  });

  it('refuses a public IP that is not IPv4', async () => {
    await expect(markActive({ ...mark, publicIp: 'evil.example.com' })).rejects.toThrow();
    expect(customerLifecycle.applyLifecycleTransition).not.toHaveBeenCalled();
    expect(infrastructure.updateInfrastructure).not.toHaveBeenCalled();
  });
});

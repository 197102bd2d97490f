import { APP_VERSIONS, CURRENT_APP_VERSION } from '../../../lambdas/core/app-versions';
import { DescribeInstancesCommand, EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { GetEmailIdentityCommand, SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DescribeInstanceInformationCommand, GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as activateStep } from '../../../lambdas/provisioning/activate-customer';
import { handler as checkAgentStep } from '../../../lambdas/provisioning/check-ssm-agent';
import { handler as checkDeploymentStep } from '../../../lambdas/provisioning/check-deployment';
import { handler as deployStep } from '../../../lambdas/provisioning/deploy-applications';
import { handler as markFailedStep } from '../../../lambdas/provisioning/mark-provisioning-failed';
import { handler as sendWelcomeStep } from '../../../lambdas/provisioning/send-welcome-email';
import { handler as terminateStep } from '../../../lambdas/provisioning/terminate-instances';
import type { Customer } from '../../../lambdas/core/customer';
import type * as Accounts from '../../../lambdas/repositories/accounts';
import type * as CustomerLifecycle from '../../../lambdas/repositories/customer-lifecycle';
import type * as EmailVerifications from '../../../lambdas/repositories/email-verifications';
import type * as FleetUpdates from '../../../lambdas/repositories/fleet-updates';
import type * as Infrastructure from '../../../lambdas/repositories/infrastructure';
import type * as ProvisioningLog from '../../../lambdas/repositories/provisioning-log';
import { asTask, awsError, ctx, recordStep, recordedSteps, resetRecordedSteps } from './helpers';

const activate = asTask('Activate customer', activateStep);
const checkAgent = asTask('Check instance agent', checkAgentStep);
const checkDeployment = asTask('Check deployment', checkDeploymentStep);
const deploy = asTask('Deploy applications', deployStep);
const markFailed = asTask('Mark customer failed', markFailedStep);
const sendWelcome = asTask('Send welcome email', sendWelcomeStep);
const terminate = asTask('Roll back: terminate instance', terminateStep);

// What these calls store (conditions, first start times kept, one entry per step) is the repositories':
// test/unit/repositories/.
const getInfrastructure = jest.fn<ReturnType<typeof Infrastructure.getInfrastructure>, Parameters<typeof Infrastructure.getInfrastructure>>();
const updateInfrastructure = jest.fn<ReturnType<typeof Infrastructure.updateInfrastructure>, Parameters<typeof Infrastructure.updateInfrastructure>>();
jest.mock('../../../lambdas/repositories/infrastructure', () => ({
  getInfrastructure: (...args: Parameters<typeof Infrastructure.getInfrastructure>) => getInfrastructure(...args),
  updateInfrastructure: (...args: Parameters<typeof Infrastructure.updateInfrastructure>) => updateInfrastructure(...args),
}));
const recordAppVersion = jest.fn<ReturnType<typeof FleetUpdates.recordAppVersion>, Parameters<typeof FleetUpdates.recordAppVersion>>();
jest.mock('../../../lambdas/repositories/fleet-updates', () => ({
  recordAppVersion: (...args: Parameters<typeof FleetUpdates.recordAppVersion>) => recordAppVersion(...args),
}));
const setProvisioningOutcome = jest.fn<ReturnType<typeof CustomerLifecycle.setProvisioningOutcome>, Parameters<typeof CustomerLifecycle.setProvisioningOutcome>>();
const markWelcomeEmailSent = jest.fn<ReturnType<typeof CustomerLifecycle.markWelcomeEmailSent>, Parameters<typeof CustomerLifecycle.markWelcomeEmailSent>>();
jest.mock('../../../lambdas/repositories/customer-lifecycle', () => ({
  setProvisioningOutcome: (...args: Parameters<typeof CustomerLifecycle.setProvisioningOutcome>) => setProvisioningOutcome(...args),
  markWelcomeEmailSent: (...args: Parameters<typeof CustomerLifecycle.markWelcomeEmailSent>) => markWelcomeEmailSent(...args),
}));
const putEmailVerificationMarker = jest.fn<ReturnType<typeof EmailVerifications.putEmailVerificationMarker>, Parameters<typeof EmailVerifications.putEmailVerificationMarker>>();
jest.mock('../../../lambdas/repositories/email-verifications', () => ({
  putEmailVerificationMarker: (...args: Parameters<typeof EmailVerifications.putEmailVerificationMarker>) => putEmailVerificationMarker(...args),
}));
const getCustomer = jest.fn<ReturnType<typeof Accounts.getCustomer>, Parameters<typeof Accounts.getCustomer>>();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (...args: Parameters<typeof Accounts.getCustomer>) => getCustomer(...args) }));
const failRunningSteps = jest.fn<ReturnType<typeof ProvisioningLog.failRunningSteps>, Parameters<typeof ProvisioningLog.failRunningSteps>>();
jest.mock('../../../lambdas/repositories/provisioning-log', () => ({
  recordStep: (...args: Parameters<typeof recordStep>) => recordStep(...args),
  failRunningSteps: (...args: Parameters<typeof ProvisioningLog.failRunningSteps>) => failRunningSteps(...args),
}));

const ssm = mockClient(SSMClient);
const ses = mockClient(SESv2Client);
const ec2 = mockClient(EC2Client);

beforeEach(() => {
  ssm.reset();
  ses.reset();
  ec2.reset();
  resetRecordedSteps();
  getInfrastructure.mockReset().mockResolvedValue(undefined);
  updateInfrastructure.mockReset().mockResolvedValue(undefined);
  recordAppVersion.mockReset().mockResolvedValue(undefined);
  setProvisioningOutcome.mockReset().mockResolvedValue(true);
  markWelcomeEmailSent.mockReset().mockResolvedValue(undefined);
  putEmailVerificationMarker.mockReset().mockResolvedValue(undefined);
  getCustomer.mockReset().mockResolvedValue(undefined);
  failRunningSteps.mockReset().mockResolvedValue(undefined);
});

describe('Deploy applications', () => {
  it('waits for the agent to be Online', async () => {
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-1', PingStatus: 'Online' }] });
    await expect(checkAgent({ ...ctx, instanceId: 'i-1' })).resolves.toEqual({ online: true });
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
    await expect(checkAgent({ ...ctx, instanceId: 'i-1' })).rejects.toMatchObject({ name: 'NotReadyError', message: 'The instance agent on i-1 is not online yet (not registered)' });
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-1', PingStatus: 'ConnectionLost' }] });
    await expect(checkAgent({ ...ctx, instanceId: 'i-1' })).rejects.toMatchObject({ name: 'NotReadyError', message: 'The instance agent on i-1 is not online yet (ConnectionLost)' });
  });

  it('sends the deploy document with the customer configuration and remembers the command', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    await expect(deploy({ ...ctx, instanceId: 'i-1', subdomain: 'acme.x', plan: 'starter' })).resolves.toEqual({ commandId: 'cmd-1' });
    expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input).toMatchObject({
      DocumentName: 'StackPro-DeployApplications',
      InstanceIds: ['i-1'],
      Parameters: { CustomerId: ['cust-1'], Subdomain: ['acme.x'], Plan: ['starter'], AppVersion: [CURRENT_APP_VERSION] },
    });
    expect(updateInfrastructure).toHaveBeenCalledWith('cust-1', { instanceId: 'i-1', deployCommand: { executionName: ctx.executionName, commandId: 'cmd-1' } });
    expect(recordAppVersion).toHaveBeenCalledWith('cust-1', CURRENT_APP_VERSION, expect.any(String));
  });

  it('keeps a customer on the version it runs (a fleet update\'s) when a restore deploys again; an unknown one gets the current', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    const older = APP_VERSIONS.find((candidate) => candidate.version !== CURRENT_APP_VERSION)!.version;
    getCustomer.mockResolvedValue({ customerId: 'cust-1', appVersion: older } as Customer);
    await deploy({ ...ctx, instanceId: 'i-1', subdomain: 'acme.x', plan: 'starter' });
    expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input.Parameters?.AppVersion).toEqual([older]);
    expect(recordAppVersion).toHaveBeenCalledWith('cust-1', older, expect.any(String));

    getCustomer.mockResolvedValue({ customerId: 'cust-1', appVersion: '1999.01.0' } as Customer);
    await deploy({ ...ctx, executionName: 'acme-cust-1-attempt-2', instanceId: 'i-1', subdomain: 'acme.x', plan: 'starter' });
    expect(ssm.commandCalls(SendCommandCommand)[1].args[0].input.Parameters?.AppVersion).toEqual([CURRENT_APP_VERSION]);
  });

  it('does not deploy twice for the same execution', async () => {
    getInfrastructure.mockResolvedValue({ deployCommand: { executionName: ctx.executionName, commandId: 'cmd-0' } });
    await expect(deploy({ ...ctx, instanceId: 'i-1', subdomain: 'acme.x', plan: 'starter' })).resolves.toEqual({ commandId: 'cmd-0' });
    expect(getInfrastructure).toHaveBeenCalledWith('cust-1');
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
    expect(updateInfrastructure).not.toHaveBeenCalled();
  });

  it("deploys again for a new execution (an operator's retry) even though an older command is remembered", async () => {
    getInfrastructure.mockResolvedValue({ deployCommand: { executionName: 'acme-cust-1-attempt-1', commandId: 'cmd-0' } });
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-2' } });
    await expect(deploy({ ...ctx, instanceId: 'i-1', subdomain: 'acme.x', plan: 'starter' })).resolves.toEqual({ commandId: 'cmd-2' });
    expect(updateInfrastructure).toHaveBeenCalledWith('cust-1', { instanceId: 'i-1', deployCommand: { executionName: ctx.executionName, commandId: 'cmd-2' } });
  });

  it('follows the command to Success, treating a not-yet-visible invocation as pending', async () => {
    ssm.on(GetCommandInvocationCommand).rejectsOnce(awsError('InvocationDoesNotExist')).resolves({ Status: 'Success' });
    const input = { ...ctx, instanceId: 'i-1', commandId: 'cmd-1' };
    await expect(checkDeployment(input)).rejects.toMatchObject({ name: 'NotReadyError', message: 'Deployment command cmd-1 is still Pending' });
    await expect(checkDeployment(input)).resolves.toEqual({ commandId: 'cmd-1' });
  });

  it.each(['Failed', 'TimedOut', 'Cancelled'])('fails with DeploymentFailedError when the command ends %s', async (Status) => {
    ssm.on(GetCommandInvocationCommand).resolves({ Status: Status as 'Failed' });
    await expect(checkDeployment({ ...ctx, instanceId: 'i-1', commandId: 'cmd-1' })).rejects.toMatchObject({ name: 'DeploymentFailedError' });
  });
});

describe('Activate and notify', () => {
  const input = { ...ctx, instanceId: 'i-1', publicIp: '198.51.100.7', subdomain: 'acme.x' };

  it('records the services (email pending until DKIM verifies) and makes the account active', async () => {
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: false });
    await expect(activate(input)).resolves.toEqual({ status: 'active', email: 'pending_verification' });
    expect(updateInfrastructure).toHaveBeenCalledWith('cust-1', {
      instanceId: 'i-1',
      publicIp: '198.51.100.7',
      services: { website: 'running', crm: 'running', email: 'pending_verification' },
    });
    // As this execution: only the one in charge may make the account active (the repository's condition).
    expect(setProvisioningOutcome).toHaveBeenCalledWith('cust-1', ctx.executionName, 'active');
  });

  it('leaves an unverified email domain to the DKIM sweep: one pending marker, kept with its first start time on a retry', async () => {
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: false });
    await activate(input);
    expect(putEmailVerificationMarker).toHaveBeenCalledTimes(1);
    const [[marker]] = putEmailVerificationMarker.mock.calls;
    expect(marker).toEqual({ customerId: ctx.customerId, identity: 'acme.x', startedAt: expect.any(String) });
    expect(Date.parse(marker.startedAt)).not.toBeNaN();
    // The marker is written before the account turns active, so no active account lacks one.
    expect(putEmailVerificationMarker.mock.invocationCallOrder[0]).toBeLessThan(setProvisioningOutcome.mock.invocationCallOrder[0]);
    // A retried step puts it again; the repository keeps the first (test/unit/repositories/email-verifications.test.ts).
    await expect(activate(input)).resolves.toEqual({ status: 'active', email: 'pending_verification' });
  });

  it('writes no marker when the domain is already verified', async () => {
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: true });
    await expect(activate(input)).resolves.toEqual({ status: 'active', email: 'running' });
    expect(putEmailVerificationMarker).not.toHaveBeenCalled();
  });

  it('refuses to activate for an execution that is no longer in charge', async () => {
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: true });
    setProvisioningOutcome.mockResolvedValue(false);
    await expect(activate(input)).rejects.toMatchObject({ name: 'StaleExecutionError' });
  });

  it('sends the welcome email once, with escaped names', async () => {
    getCustomer.mockResolvedValue({
      customerId: 'cust-1',
      email: 'ada@example.com',
      firstName: '<b>Ada</b>',
      company: 'Acme',
      subdomain: 'acme.x',
      plan: 'starter',
      trialEndsAt: '2026-12-02T00:00:00Z',
    } as Customer);
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    await expect(sendWelcome(ctx)).resolves.toEqual({ sent: true });
    const mail = ses.commandCalls(SendEmailCommand)[0].args[0].input;
    expect(mail).toMatchObject({ FromEmailAddress: 'welcome@stackpro.test', Destination: { ToAddresses: ['ada@example.com'] } });
    expect(mail.Content!.Simple!.Body!.Html!.Data).toContain('&lt;b&gt;Ada&lt;/b&gt;');
    expect(mail.Content!.Simple!.Body!.Html!.Data).toContain('https://acme.x');
    expect(markWelcomeEmailSent).toHaveBeenCalledWith('cust-1');

    getCustomer.mockResolvedValue({ customerId: 'cust-1', email: 'ada@example.com', welcomeEmailSentAt: '2026-11-25T00:00:00Z' } as Customer);
    await expect(sendWelcome(ctx)).resolves.toEqual({ sent: false });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(markWelcomeEmailSent).toHaveBeenCalledTimes(1);
  });

  it('does not mark the welcome email sent when sending failed (the Task retries it)', async () => {
    getCustomer.mockResolvedValue({ customerId: 'cust-1', email: 'ada@example.com', firstName: 'Ada', company: 'Acme', subdomain: 'acme.x', plan: 'starter' } as Customer);
    ses.on(SendEmailCommand).rejects(awsError('TooManyRequestsException'));
    await expect(sendWelcome(ctx)).rejects.toBeDefined();
    expect(markWelcomeEmailSent).not.toHaveBeenCalled();
  });

  it('fails with CustomerNotFoundError for a customer that is gone', async () => {
    await expect(sendWelcome(ctx)).rejects.toMatchObject({ name: 'CustomerNotFoundError' });
    expect(ses.calls()).toHaveLength(0);
  });
});

describe('Welcome email that cannot be sent', () => {
  it('is logged as failed with the reason, without sending or throwing, once the state machine gives up', async () => {
    const cause = JSON.stringify({ errorType: 'MessageRejected', errorMessage: 'Email address is not verified.' });
    await expect(sendWelcome({ ...ctx, giveUp: true, error: { Error: 'MessageRejected', Cause: cause } })).resolves.toEqual({ sent: false });
    expect(ses.calls()).toHaveLength(0);
    // The Task whose retries ran out cannot log its own end: the running entry is ended as failed, then this one.
    expect(failRunningSteps).toHaveBeenCalledWith('cust-1', ctx.executionName, 'Not sent: The mail service refused the email.');
    expect(recordedSteps()).toEqual([['Send welcome email', 'failed', 'Not sent: The mail service refused the email.']]);
  });
});

describe('Rollback', () => {
  it('terminates every live instance tagged with the customer', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-1' }, { InstanceId: 'i-2' }] }] });
    ec2.on(TerminateInstancesCommand).resolves({});
    await expect(terminate(ctx)).resolves.toEqual({ terminated: ['i-1', 'i-2'] });
    expect(ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters).toContainEqual({ Name: 'tag:Customer', Values: ['cust-1'] });
    expect(ec2.commandCalls(TerminateInstancesCommand)[0].args[0].input.InstanceIds).toEqual(['i-1', 'i-2']);
  });

  it('terminates nothing when no instance exists', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(terminate(ctx)).resolves.toEqual({ terminated: [] });
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });

  it('marks the customer failed with a readable reason and the broken step failed', async () => {
    const cause = JSON.stringify({ errorType: 'DeploymentFailedError', errorMessage: 'Deployment command cmd-1 ended Failed' });
    const out = await markFailed({ ...ctx, error: { Error: 'DeploymentFailedError', Cause: cause }, rollback: {} });
    expect(out).toMatchObject({ reason: 'Deployment command cmd-1 ended Failed', current: true, leftovers: [] });
    // The step still running (the one that broke) ends failed with the reason: failRunningSteps (its repository test).
    expect(failRunningSteps).toHaveBeenCalledWith('cust-1', ctx.executionName, 'Deployment command cmd-1 ended Failed');
    expect(recordedSteps()).toEqual([['Mark customer failed', 'succeeded', 'Everything created was removed']]);
    expect(setProvisioningOutcome).toHaveBeenCalledWith('cust-1', ctx.executionName, 'failed', out.reason);
  });

  it('says what could not be removed when an undo failed for good', async () => {
    const out = await markFailed({ ...ctx, error: { Error: 'States.Timeout' }, rollback: { rollbackInstanceError: { Error: 'X' } } });
    expect(out.leftovers).toEqual(['instance']);
    expect(recordedSteps()).toContainEqual(['Mark customer failed', 'failed', 'Could not remove: instance']);
  });

  it('never stores a raw AWS message as the reason', async () => {
    const raw = 'User: arn:aws:sts::123456789012:assumed-role/StackPro-Launch/x is not authorized to perform: ec2:RunInstances';
    const cause = JSON.stringify({ errorType: 'SomethingNew', errorMessage: raw });
    const out = await markFailed({ ...ctx, error: { Error: 'SomethingNew', Cause: cause }, rollback: {} });
    expect(out.reason).toMatch(/^an internal error \(reference [0-9a-f]{10}\)$/);
    const stored = JSON.stringify([failRunningSteps.mock.calls, setProvisioningOutcome.mock.calls, recordStep.mock.calls]);
    expect(stored).toContain(out.reason);
    expect(stored).not.toMatch(/123456789012|arn:aws/);
  });
});

import { CURRENT_APP_VERSION } from '../../../lambdas/core/app-versions';
import { DescribeInstancesCommand, EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { GetEmailIdentityCommand, SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DescribeInstanceInformationCommand, GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as activate } from '../../../lambdas/provisioning/activate-customer';
import { handler as checkAgent } from '../../../lambdas/provisioning/check-ssm-agent';
import { handler as checkDeployment } from '../../../lambdas/provisioning/check-deployment';
import { handler as deploy } from '../../../lambdas/provisioning/deploy-applications';
import { handler as markFailed } from '../../../lambdas/provisioning/mark-provisioning-failed';
import { handler as sendWelcome } from '../../../lambdas/provisioning/send-welcome-email';
import { handler as terminate } from '../../../lambdas/provisioning/terminate-instances';
import { awsError, ctx, mockTable, stepLog } from './helpers';

const ssm = mockClient(SSMClient);
const ses = mockClient(SESv2Client);
const ec2 = mockClient(EC2Client);
const table = mockTable();
const isProfile = (input: { Key?: Record<string, unknown> }) => input.Key?.sk === 'PROFILE';

beforeEach(() => {
  ssm.reset();
  ses.reset();
  ec2.reset();
  table.reset();
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
    const version = table.ddb.commandCalls(UpdateCommand).find((c) => c.args[0].input.Key?.sk === 'PROFILE')!;
    expect(version.args[0].input.ExpressionAttributeValues).toMatchObject({ ':version': CURRENT_APP_VERSION });
    const saved = table.ddb.commandCalls(UpdateCommand).find((c) => c.args[0].input.Key?.sk === 'INFRASTRUCTURE')!;
    expect(Object.values(saved.args[0].input.ExpressionAttributeValues!)).toContainEqual({ executionName: ctx.executionName, commandId: 'cmd-1' });
  });

  it('does not deploy twice for the same execution', async () => {
    table.ddb.on(GetCommand).resolves({ Item: { deployCommand: { executionName: ctx.executionName, commandId: 'cmd-0' } } });
    await expect(deploy({ ...ctx, instanceId: 'i-1', subdomain: 'acme.x', plan: 'starter' })).resolves.toEqual({ commandId: 'cmd-0' });
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
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
    const profile = table.ddb.commandCalls(UpdateCommand).find((c) => isProfile(c.args[0].input))!.args[0].input;
    expect(profile.ExpressionAttributeValues).toMatchObject({ ':status': 'active', ':execution': ctx.executionName });
    expect(profile.ConditionExpression).toContain('provisioningExecutionName = :execution');
  });

  it('leaves an unverified email domain to the DKIM sweep: one pending marker, kept with its first start time on a retry', async () => {
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: false });
    await activate(input);
    const [put] = table.ddb.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(put.Item).toMatchObject({ pk: 'EMAILVERIFY', sk: ctx.customerId, customerId: ctx.customerId, identity: 'acme.x' });
    expect(Date.parse(String(put.Item!.startedAt))).not.toBeNaN();
    expect(put.ConditionExpression).toBe('attribute_not_exists(pk)');
    // A retried step finds the marker already there: not an error, the first start time stays.
    table.ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    await expect(activate(input)).resolves.toEqual({ status: 'active', email: 'pending_verification' });
  });

  it('writes no marker when the domain is already verified', async () => {
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: true });
    await expect(activate(input)).resolves.toEqual({ status: 'active', email: 'running' });
    expect(table.ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('refuses to activate for an execution that is no longer in charge', async () => {
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: true });
    table.ddb.on(UpdateCommand).callsFake((input) => {
      if (isProfile(input)) throw new ConditionalCheckFailedException({ message: 'no', $metadata: {} });
      return {};
    });
    await expect(activate(input)).rejects.toMatchObject({ name: 'StaleExecutionError' });
  });

  it('sends the welcome email once, with escaped names', async () => {
    table.ddb.on(GetCommand).resolves({
      Item: { customerId: 'cust-1', email: 'ada@example.com', firstName: '<b>Ada</b>', company: 'Acme', subdomain: 'acme.x', plan: 'starter', trialEndsAt: '2026-12-02T00:00:00Z' },
    });
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    await expect(sendWelcome(ctx)).resolves.toEqual({ sent: true });
    const mail = ses.commandCalls(SendEmailCommand)[0].args[0].input;
    expect(mail).toMatchObject({ FromEmailAddress: 'welcome@stackpro.test', Destination: { ToAddresses: ['ada@example.com'] } });
    expect(mail.Content!.Simple!.Body!.Html!.Data).toContain('&lt;b&gt;Ada&lt;/b&gt;');
    expect(mail.Content!.Simple!.Body!.Html!.Data).toContain('https://acme.x');

    table.ddb.on(GetCommand).resolves({ Item: { customerId: 'cust-1', email: 'ada@example.com', welcomeEmailSentAt: '2026-11-25T00:00:00Z' } });
    await expect(sendWelcome(ctx)).resolves.toEqual({ sent: false });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });
});

describe('Welcome email that cannot be sent', () => {
  it('is logged as failed with the reason, without sending or throwing, once the state machine gives up', async () => {
    const cause = JSON.stringify({ errorType: 'MessageRejected', errorMessage: 'Email address is not verified.' });
    await expect(sendWelcome({ ...ctx, giveUp: true, error: { Error: 'MessageRejected', Cause: cause } })).resolves.toEqual({ sent: false });
    expect(ses.calls()).toHaveLength(0);
    expect(stepLog(table.ddb)).toEqual([['Send welcome email', 'failed', 'Not sent: The mail service refused the email.']]);
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
    table.ddb.on(QueryCommand).resolves({
      Items: [
        { name: 'Launch instance', status: 'succeeded', startedAt: '1', executionName: ctx.executionName },
        { name: 'Deploy applications', status: 'running', startedAt: '2', executionName: ctx.executionName },
      ],
    });
    const cause = JSON.stringify({ errorType: 'DeploymentFailedError', errorMessage: 'Deployment command cmd-1 ended Failed' });
    const out = await markFailed({ ...ctx, error: { Error: 'DeploymentFailedError', Cause: cause }, rollback: {} });
    expect(out).toMatchObject({ reason: 'Deployment command cmd-1 ended Failed', current: true, leftovers: [] });
    expect(stepLog(table.ddb)).toEqual(
      expect.arrayContaining([
        ['Deploy applications', 'failed', 'Deployment command cmd-1 ended Failed'],
        ['Roll back', 'succeeded', 'Everything created was removed'],
      ]),
    );
    const profile = table.ddb.commandCalls(UpdateCommand).find((c) => isProfile(c.args[0].input))!.args[0].input;
    expect(profile.ExpressionAttributeValues).toMatchObject({ ':status': 'failed', ':reason': out.reason });
  });

  it('says what could not be removed when an undo failed for good', async () => {
    const out = await markFailed({ ...ctx, error: { Error: 'States.Timeout' }, rollback: { rollbackInstanceError: { Error: 'X' } } });
    expect(out.leftovers).toEqual(['instance']);
    expect(stepLog(table.ddb)).toContainEqual(['Roll back', 'failed', 'Could not remove: instance']);
  });

  it('never stores a raw AWS message as the reason', async () => {
    table.ddb.on(QueryCommand).resolves({ Items: [{ name: 'Launch instance', status: 'running', startedAt: '1', executionName: ctx.executionName }] });
    const raw = 'User: arn:aws:sts::123456789012:assumed-role/StackPro-Launch/x is not authorized to perform: ec2:RunInstances';
    const cause = JSON.stringify({ errorType: 'SomethingNew', errorMessage: raw });
    const out = await markFailed({ ...ctx, error: { Error: 'SomethingNew', Cause: cause }, rollback: {} });
    expect(out.reason).toMatch(/^an internal error \(reference [0-9a-f]{10}\)$/);
    expect(JSON.stringify(table.ddb.calls().map((call) => call.args[0].input))).not.toMatch(/123456789012|arn:aws/);
  });
});

import { DescribeInstancesCommand, EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { DeleteEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PinpointSMSVoiceV2Client, ReleasePhoneNumberCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient } from 'aws-sdk-client-mock';
import type { Customer } from '../../../lambdas/core/customer';
import type * as Accounts from '../../../lambdas/repositories/accounts';
import type * as Billing from '../../../lambdas/repositories/billing';
import type * as CustomerLifecycle from '../../../lambdas/repositories/customer-lifecycle';
import type * as PlanChanges from '../../../lambdas/repositories/plan-changes';
import type * as ProvisioningLog from '../../../lambdas/repositories/provisioning-log';
import { handler } from '../../../lambdas/workflows/recover-stopped-execution';

const stripeApi = { subscriptions: { cancel: jest.fn() } };
jest.mock('../../../lambdas/clients/stripe', () => ({ getStripe: async () => stripeApi }));

// The repositories as a fake of the one customer: reads answer `profile`, and setProvisioningOutcome applies only
// under its condition (the execution in charge), as its DynamoDB Local test proves, so tests assert the state a
// customer ends in.
const getLifecycleCustomer = jest.fn<ReturnType<typeof CustomerLifecycle.getLifecycleCustomer>, Parameters<typeof CustomerLifecycle.getLifecycleCustomer>>();
const setProvisioningOutcome = jest.fn<ReturnType<typeof CustomerLifecycle.setProvisioningOutcome>, Parameters<typeof CustomerLifecycle.setProvisioningOutcome>>();
jest.mock('../../../lambdas/repositories/customer-lifecycle', () => ({
  getLifecycleCustomer: (...args: Parameters<typeof CustomerLifecycle.getLifecycleCustomer>) => getLifecycleCustomer(...args),
  setProvisioningOutcome: (...args: Parameters<typeof CustomerLifecycle.setProvisioningOutcome>) => setProvisioningOutcome(...args),
}));
const getCustomer = jest.fn<ReturnType<typeof Accounts.getCustomer>, Parameters<typeof Accounts.getCustomer>>();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (...args: Parameters<typeof Accounts.getCustomer>) => getCustomer(...args) }));
const saveBillingSnapshot = jest.fn<ReturnType<typeof Billing.saveBillingSnapshot>, Parameters<typeof Billing.saveBillingSnapshot>>();
jest.mock('../../../lambdas/repositories/billing', () => ({
  saveBillingSnapshot: (...args: Parameters<typeof Billing.saveBillingSnapshot>) => saveBillingSnapshot(...args),
}));
const recordStep = jest.fn<ReturnType<typeof ProvisioningLog.recordStep>, Parameters<typeof ProvisioningLog.recordStep>>();
const failRunningSteps = jest.fn<ReturnType<typeof ProvisioningLog.failRunningSteps>, Parameters<typeof ProvisioningLog.failRunningSteps>>();
jest.mock('../../../lambdas/repositories/provisioning-log', () => ({
  recordStep: (...args: Parameters<typeof ProvisioningLog.recordStep>) => recordStep(...args),
  failRunningSteps: (...args: Parameters<typeof ProvisioningLog.failRunningSteps>) => failRunningSteps(...args),
}));
const failPlanChange = jest.fn<ReturnType<typeof PlanChanges.failPlanChange>, Parameters<typeof PlanChanges.failPlanChange>>();
jest.mock('../../../lambdas/repositories/plan-changes', () => ({
  failPlanChange: (...args: Parameters<typeof PlanChanges.failPlanChange>) => failPlanChange(...args),
}));
// The attempt's messaging channels: the release's own code runs (lambdas/messaging/release-channels.ts) over a
// fake of the customer's channel records, with End User Messaging SMS mocked.
let messagingChannels: Record<string, unknown> | undefined;
let whatsAppClaim: { number: string; phoneNumberId: string } | undefined;
jest.mock('../../../lambdas/repositories/messaging-channels', () => ({
  getChannels: async () => messagingChannels,
  unrouteChannels: async () => undefined,
  forgetChannels: async () => {
    messagingChannels = undefined;
  },
}));
jest.mock('../../../lambdas/repositories/whatsapp-number-pool', () => ({
  returnWhatsAppNumber: async () => {
    const claim = whatsAppClaim;
    whatsAppClaim = undefined;
    return claim;
  },
}));
jest.mock('../../../lambdas/repositories/messaging-history', () => ({ scheduleHistoryExpiry: async () => undefined }));
const smsVoice = mockClient(PinpointSMSVoiceV2Client);
const ec2 = mockClient(EC2Client);
const route53 = mockClient(Route53Client);
const ses = mockClient(SESv2Client);
const sfn = mockClient(SFNClient);

const ARN = (id: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:${id}`;
const EXECUTION = 'acme-cust-1';

/**
 * The customer profile as DynamoDB holds it: reads answer it, and the status update the clean-up makes
 * (setProvisioningOutcome) applies only under its condition, so tests assert the state a customer ends in.
 */
let profile: Record<string, unknown> | undefined;
/** Step-log items written: [step, status, message]. */
let steps: [string, string, string | undefined][];
/** Instances EC2 still runs for the customer: [id, ProvisioningAttempt tag]. */
let instances: [string, string][];

function customer(overrides: Record<string, unknown> = {}) {
  return {
    customerId: 'cust-1',
    status: 'provisioning',
    subdomain: 'acme.customers.stackpro.test',
    provisioningExecutionName: EXECUTION,
    provisioningAttempt: 1,
    billing: { subscriptionId: 'sub_1', subscriptionStatus: 'trialing' },
    ...overrides,
  };
}

function event(detail: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: 'evt-1',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '000000000000',
    time: '2026-12-01T00:00:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:states:us-east-1:000000000000:execution:ProvisionCustomer:${EXECUTION}`],
    detail: {
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:ProvisionCustomer:${EXECUTION}`,
      stateMachineArn: ARN('ProvisionCustomer'),
      name: EXECUTION,
      status: 'ABORTED',
      startDate: Date.parse('2026-12-01T00:00:00Z'),
      stopDate: Date.parse('2026-12-01T00:01:00Z'),
      input: JSON.stringify({ customerId: 'cust-1', attempt: 1 }),
      output: null,
      inputDetails: { included: true },
      outputDetails: null,
      error: null,
      cause: null,
      ...detail,
    },
  };
}

beforeEach(() => {
  profile = customer();
  steps = [];
  instances = [['i-1', '1']];
  getLifecycleCustomer.mockReset().mockImplementation(async () => profile && ({ ...profile } as unknown as CustomerLifecycle.LifecycleCustomer));
  setProvisioningOutcome.mockReset().mockImplementation(async (_customerId, executionName, status, failureReason) => {
    if (!profile || profile.provisioningExecutionName !== executionName) return false;
    profile = { ...profile, status, failureReason };
    return true;
  });
  getCustomer.mockReset().mockImplementation(async () => profile && ({ ...profile } as unknown as Customer));
  saveBillingSnapshot.mockReset().mockImplementation(async (_customerId, billing) => {
    if (!profile) return false;
    profile = { ...profile, billing };
    return true;
  });
  recordStep.mockReset().mockImplementation(async (_customerId, _executionName, name, status, message) => void steps.push([name, status, message]));
  failRunningSteps.mockReset().mockResolvedValue(undefined);
  failPlanChange.mockReset().mockResolvedValue(false);
  ec2.reset();
  ec2.on(DescribeInstancesCommand).callsFake(async (input) => {
    const attempt = input.Filters?.find((f: { Name: string }) => f.Name === 'tag:ProvisioningAttempt')?.Values?.[0];
    const found = instances.filter(([, tag]) => attempt === undefined || tag === attempt);
    return { Reservations: [{ Instances: found.map(([InstanceId]) => ({ InstanceId })) }] };
  });
  ec2.on(TerminateInstancesCommand).callsFake(async (input) => {
    instances = instances.filter(([id]) => !input.InstanceIds.includes(id));
    return {};
  });
  route53.reset();
  route53.on(ListResourceRecordSetsCommand).resolves({
    ResourceRecordSets: [{ Name: 'acme.customers.stackpro.test.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.7' }] }],
  });
  route53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: 'c1', Status: 'PENDING', SubmittedAt: new Date() } });
  ses.reset();
  ses.on(DeleteEmailIdentityCommand).resolves({});
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
  messagingChannels = undefined;
  whatsAppClaim = undefined;
  smsVoice.reset();
  smsVoice.on(ReleasePhoneNumberCommand).resolves({});
  stripeApi.subscriptions.cancel.mockReset().mockResolvedValue({ id: 'sub_1', status: 'canceled', customer: 'cus_1', items: { data: [] } });
});

describe('a stopped provisioning', () => {
  it.each([
    ['ABORTED', {}, /was stopped before it finished/],
    ['TIMED_OUT', { error: 'States.Timeout', cause: 'too long' }, /took longer than it is allowed to/],
    ['FAILED', { error: 'States.Runtime', cause: 'An error occurred while executing the state' }, /internal error \(reference [0-9a-f]{10}\)/],
  ])('%s: removes what the attempt created, then marks the customer failed with a readable reason', async (status, extra, reason) => {
    const result = await handler(event({ status, ...extra }));

    expect(result).toMatchObject({ action: 'cleaned-up', leftovers: [] });
    expect(profile).toMatchObject({ status: 'failed', failureReason: expect.stringMatching(reason) });
    expect(instances).toEqual([]);
    expect(stripeApi.subscriptions.cancel).toHaveBeenCalledWith('sub_1');
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)[0].args[0].input.ChangeBatch?.Changes?.[0].Action).toBe('DELETE');
    expect(ses.commandCalls(DeleteEmailIdentityCommand)[0].args[0].input.EmailIdentity).toBe('acme.customers.stackpro.test');
    expect(steps.at(-1)).toEqual(['Clean up after the execution stopped', 'succeeded', 'Everything created was removed']);
  });

  it('releases the messaging channels the attempt allocated before it stopped (SMS number, WhatsApp number, widget key)', async () => {
    messagingChannels = { sms: { number: '+18005550100', phoneNumberId: 'phone-1' }, whatsapp: { number: '+18005550101', phoneNumberId: 'pn-1' }, widget: { publicKey: 'pk_1' } };
    whatsAppClaim = { number: '+18005550101', phoneNumberId: 'pn-1' };

    const result = await handler(event());
    const again = await handler(event());

    expect(result).toMatchObject({ action: 'cleaned-up', leftovers: [] });
    expect(again).toMatchObject({ action: 'ignored' });
    expect(smsVoice.commandCalls(ReleasePhoneNumberCommand).map((call) => call.args[0].input.PhoneNumberId)).toEqual(['phone-1']);
    expect(messagingChannels).toBeUndefined();
    expect(whatsAppClaim).toBeUndefined();
  });

  it('reports the channels as left over when the number cannot be released, and still marks the customer failed', async () => {
    messagingChannels = { sms: { number: '+18005550100', phoneNumberId: 'phone-1' } };
    smsVoice.on(ReleasePhoneNumberCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    const result = await handler(event());

    expect(result).toMatchObject({ action: 'cleaned-up', leftovers: ['messaging channels'] });
    expect(profile?.status).toBe('failed');
    // Kept, so an operator (or a later release) knows what is left to release.
    expect(messagingChannels).toBeDefined();
  });

  it('terminates only this attempt’s servers', async () => {
    profile = customer({ provisioningExecutionName: `${EXECUTION}-attempt-2`, provisioningAttempt: 2 });
    instances = [['i-old', '1'], ['i-new', '2']];

    await handler(event({ name: `${EXECUTION}-attempt-2` }));

    expect(instances).toEqual([['i-old', '1']]);
  });

  it('marks the customer failed even when an undo fails for good, and says what is left', async () => {
    ec2.on(TerminateInstancesCommand).rejects(Object.assign(new Error('denied'), { name: 'UnauthorizedOperation' }));

    const result = await handler(event());

    expect(result).toMatchObject({ action: 'cleaned-up', leftovers: ['instance'] });
    expect(profile?.status).toBe('failed');
    expect(steps.at(-1)).toEqual(['Clean up after the execution stopped', 'failed', 'Could not remove: instance']);
  });

  it('does nothing for the same event twice (the first one finished the job)', async () => {
    await handler(event());
    const calls = () => ec2.commandCalls(TerminateInstancesCommand).length + stripeApi.subscriptions.cancel.mock.calls.length;
    const before = calls();

    const again = await handler(event());

    expect(again).toMatchObject({ action: 'ignored' });
    expect(calls()).toBe(before);
    expect(profile?.status).toBe('failed');
  });

  it('the same event 50 times at once: every delivery succeeds and the customer ends failed, cleaned up, once', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => handler(event())));

    expect(results.every((result) => ['cleaned-up', 'ignored'].includes(result.action))).toBe(true);
    expect(profile).toMatchObject({ status: 'failed', failureReason: 'Provisioning was stopped before it finished.' });
    expect(instances).toEqual([]);
    // Afterwards every redelivery is a no-op.
    expect(await handler(event())).toMatchObject({ action: 'ignored' });
  });

  it('does nothing for an execution that rolled back by itself (the customer is failed already)', async () => {
    profile = customer({ status: 'failed', failureReason: 'AWS has no capacity for this server size right now.' });

    const result = await handler(event({ status: 'FAILED', error: 'ProvisioningFailed', cause: 'AWS has no capacity' }));

    expect(result).toMatchObject({ action: 'ignored' });
    expect(profile).toMatchObject({ status: 'failed', failureReason: 'AWS has no capacity for this server size right now.' });
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });

  it('finishes the job of a rollback that could not mark the customer failed ("Provisioning failed, not recorded")', async () => {
    const result = await handler(event({ status: 'FAILED', error: 'ProvisioningFailed', cause: 'DynamoDB was down' }));

    expect(result).toMatchObject({ action: 'cleaned-up' });
    expect(profile?.status).toBe('failed');
  });

  it('leaves a customer alone whose provisioning a newer attempt (an operator’s retry) superseded', async () => {
    profile = customer({ provisioningExecutionName: `${EXECUTION}-attempt-2`, provisioningAttempt: 2 });
    instances = [['i-new', '2']];

    const result = await handler(event());

    expect(result).toMatchObject({ action: 'ignored' });
    expect(instances).toEqual([['i-new', '2']]);
    expect(profile?.status).toBe('provisioning');
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
  });

  it('stops cleaning when a retry takes over half way (a duplicate event racing the retry)', async () => {
    ses.on(DeleteEmailIdentityCommand).callsFake(async () => {
      profile = customer({ status: 'provisioning', provisioningExecutionName: `${EXECUTION}-attempt-2`, provisioningAttempt: 2 });
      instances.push(['i-new', '2']);
      return {};
    });

    const result = await handler(event());

    expect(result).toMatchObject({ action: 'ignored' });
    expect(instances.map(([id]) => id)).toContain('i-new');
    expect(profile?.provisioningExecutionName).toBe(`${EXECUTION}-attempt-2`);
  });

  it('leaves a live customer live (stopped after activation)', async () => {
    profile = customer({ status: 'active' });

    expect(await handler(event())).toMatchObject({ action: 'ignored' });
    expect(profile?.status).toBe('active');
    expect(instances).toHaveLength(1);
  });

  it('does nothing for a deleted customer', async () => {
    profile = undefined;

    expect(await handler(event())).toMatchObject({ action: 'ignored', why: 'the customer no longer exists' });
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });

  it('never touches customer A for another tenant’s execution that names A in its input', async () => {
    const result = await handler(event({ name: 'other-cust-2', executionArn: 'arn:aws:states:us-east-1:000000000000:execution:ProvisionCustomer:other-cust-2' }));

    expect(result).toMatchObject({ action: 'ignored' });
    expect(profile?.status).toBe('provisioning');
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });

  it('ignores state machines that are not ours, and events it cannot read', async () => {
    expect(await handler(event({ stateMachineArn: ARN('SomeoneElses') }))).toMatchObject({ action: 'ignored' });
    expect(await handler(event({ status: 'SUCCEEDED' }))).toMatchObject({ action: 'ignored' });
    expect(await handler(event({ input: 'not json' }))).toMatchObject({ action: 'ignored' });
    expect(await handler({ source: 'aws.states' })).toMatchObject({ action: 'ignored' });
    expect(await handler(null)).toMatchObject({ action: 'ignored' });
    expect(profile?.status).toBe('provisioning');
  });

  it('throws on a transient read failure, so EventBridge delivers the event again', async () => {
    getLifecycleCustomer.mockRejectedValue(Object.assign(new Error('busy'), { name: 'ProvisionedThroughputExceededException' }));

    await expect(handler(event())).rejects.toThrow('busy');
  });
});

describe('a stopped suspend, resume or deprovision', () => {
  const lifecycleEvent = (workflow: string, name: string, detail: Record<string, unknown> = {}) =>
    event({
      stateMachineArn: ARN(workflow),
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:${workflow}:${name}`,
      name,
      input: JSON.stringify({ customerId: 'cust-1', reason: 'unpaid' }),
      ...detail,
    });

  it.each([
    ['SuspendCustomer', 'suspending'],
    ['ResumeCustomer', 'resuming'],
  ])('%s is run again once under a -rerun name, with the same input', async (workflow, status) => {
    profile = customer({ status, lifecycleExecutionName: 'suspend-cust-1-1', lifecycleStartedAt: '2026-12-01T00:00:00.000Z' });

    const result = await handler(lifecycleEvent(workflow, 'suspend-cust-1-1'));

    expect(result).toEqual({ action: 'rerun', executionName: 'suspend-cust-1-1-rerun' });
    const start = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(start).toMatchObject({ stateMachineArn: ARN(workflow), name: 'suspend-cust-1-1-rerun' });
    expect(JSON.parse(start.input!)).toEqual({ customerId: 'cust-1', reason: 'unpaid' });
    expect(profile?.status).toBe(status);
  });

  it('a stopped deprovision is run again with only the retention it had left', async () => {
    profile = customer({ status: 'suspended' });
    const startDate = Date.parse('2026-12-01T00:00:00Z');

    await handler(lifecycleEvent('DeprovisionCustomer', 'deprovision-cust-1-sub_1', {
      input: JSON.stringify({ customerId: 'cust-1', retentionSeconds: 3600 }),
      startDate,
      stopDate: startDate + 600_000,
    }));

    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input!)).toEqual({ customerId: 'cust-1', retentionSeconds: 3000 });
  });

  it('the same event twice starts one rerun (the name is the idempotency key)', async () => {
    profile = customer({ status: 'suspending' });
    sfn.on(StartExecutionCommand).resolvesOnce({ executionArn: 'arn', startDate: new Date() }).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));

    const first = await handler(lifecycleEvent('SuspendCustomer', 'suspend-cust-1-1'));
    const second = await handler(lifecycleEvent('SuspendCustomer', 'suspend-cust-1-1'));

    expect(first.action).toBe('rerun');
    expect(second).toMatchObject({ action: 'ignored', why: 'the rerun was started already' });
  });

  it('a rerun that stops too is left for operators, with its steps failed and no third run', async () => {
    profile = customer({ status: 'suspending' });

    const result = await handler(lifecycleEvent('SuspendCustomer', 'suspend-cust-1-1-rerun', { status: 'TIMED_OUT' }));

    expect(result).toMatchObject({ action: 'left-for-operators', reason: 'Suspending the account took longer than it is allowed to.' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(steps.at(-1)?.[0]).toBe('Run again after the execution stopped');
    expect(steps.at(-1)?.[1]).toBe('failed');
  });

  it('does nothing when the workflow recorded its own failure, a newer workflow owns the account, or the account got there', async () => {
    profile = customer({ status: 'suspending' });
    expect(await handler(lifecycleEvent('SuspendCustomer', 's-1', { status: 'FAILED', error: 'SuspendFailed', cause: 'x' }))).toMatchObject({ action: 'ignored' });

    profile = customer({ status: 'resuming', lifecycleExecutionName: 'resume-later', lifecycleStartedAt: '2026-12-01T00:05:00.000Z' });
    expect(await handler(lifecycleEvent('SuspendCustomer', 's-1'))).toMatchObject({ action: 'ignored', why: 'a newer lifecycle workflow owns the account' });

    profile = customer({ status: 'suspended' });
    expect(await handler(lifecycleEvent('SuspendCustomer', 's-1'))).toMatchObject({ action: 'ignored' });

    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('a stopped resize (the interrupted plan change)', () => {
  const NAME = 'resize-enterprise-cust-1-abc';
  const change = { customerId: 'cust-1', changeId: 'abc', fromPlan: 'business', toPlan: 'enterprise' };
  const resizeEvent = (name = NAME, detail: Record<string, unknown> = {}) =>
    event({
      stateMachineArn: ARN('ResizeCustomer'),
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:ResizeCustomer:${name}`,
      name,
      input: JSON.stringify(change),
      ...detail,
    });

  beforeEach(() => {
    profile = customer({ status: 'active', plan: 'business', pendingPlan: 'enterprise', planChange: { changeId: 'abc', from: 'business', to: 'enterprise' } });
    // failPlanChange applies only while this change is the pending one, as its condition says (its DynamoDB
    // behaviour is the repository's own test).
    failPlanChange.mockReset().mockImplementation(async (_customerId, changeId, reason) => {
      const current = profile?.planChange as { changeId: string } | undefined;
      if (!profile?.pendingPlan || current?.changeId !== changeId) return false;
      const { pendingPlan: _pending, ...rest } = profile;
      profile = { ...rest, planChange: { ...current, failure: reason } };
      return true;
    });
  });

  it('is run again once with the stop as its error: the rerun puts the previous type and price back', async () => {
    const result = await handler(resizeEvent());

    expect(result).toEqual({ action: 'rerun', executionName: `${NAME}-rerun` });
    const start = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(start).toMatchObject({ stateMachineArn: ARN('ResizeCustomer'), name: `${NAME}-rerun` });
    expect(JSON.parse(start.input!)).toEqual({ ...change, error: { Error: 'ResizeStoppedError', Cause: 'Changing the plan was stopped before it finished.' } });
    expect(steps.at(-1)).toEqual(['Run again after the execution stopped', 'succeeded', expect.stringContaining(`Started ${NAME}-rerun`)]);
  });

  it('the same event 50 times at once starts one rerun', async () => {
    let started = 0;
    sfn.on(StartExecutionCommand).callsFake(async () => {
      started += 1;
      if (started > 1) throw new ExecutionAlreadyExists({ message: 'exists', $metadata: {} });
      return { executionArn: 'arn', startDate: new Date() };
    });

    const results = await Promise.all(Array.from({ length: 50 }, () => handler(resizeEvent())));

    expect(results.filter((r) => r.action === 'rerun')).toHaveLength(1);
    expect(results.filter((r) => r.action === 'ignored')).toHaveLength(49);
  });

  it('a rerun that stops too clears the pending plan with the reason and is left for operators', async () => {
    const result = await handler(resizeEvent(`${NAME}-rerun`, { status: 'TIMED_OUT' }));

    expect(result).toMatchObject({ action: 'left-for-operators', reason: 'Changing the plan took longer than it is allowed to.' });
    expect(profile?.pendingPlan).toBeUndefined();
    expect(profile?.planChange).toMatchObject({ failure: 'Changing the plan took longer than it is allowed to.' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('does nothing when the resize recorded its own failure, or the change is no longer pending (completed, or another tenant’s change)', async () => {
    expect(await handler(resizeEvent(NAME, { status: 'FAILED', error: 'ResizeFailed', cause: 'x' }))).toMatchObject({ action: 'ignored', why: 'the workflow recorded its own failure' });

    profile = customer({ status: 'active', plan: 'enterprise', planChange: { changeId: 'abc', from: 'business', to: 'enterprise', completedAt: '2026-12-01T00:02:00Z' } });
    expect(await handler(resizeEvent())).toMatchObject({ action: 'ignored', why: 'the plan change is no longer pending' });

    profile = customer({ status: 'active', pendingPlan: 'starter', planChange: { changeId: 'other', from: 'business', to: 'starter' } });
    expect(await handler(resizeEvent())).toMatchObject({ action: 'ignored', why: 'the plan change is no longer pending' });

    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('ignores a malformed input (no change id)', async () => {
    expect(await handler(resizeEvent(NAME, { input: JSON.stringify({ customerId: 'cust-1' }) }))).toMatchObject({ action: 'ignored', why: 'the execution input names no plan change' });
  });
});

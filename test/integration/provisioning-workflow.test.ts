/* eslint-disable @typescript-eslint/no-explicit-any -- status bodies are asserted field by field */
import { signedFetch } from '../../bin/admin-request';
import { call, eventually, newSignup, signUpVerified, verificationToken } from './api-client';
import { ListTagsForResourceCommand, SSMClient } from '@aws-sdk/client-ssm';
import { CUSTOMER_SECRETS, type CustomerSecret, customerParameterName } from '../../lambdas/core/customer-secrets';
import { KNOWN_ERROR_CODES } from '../../lambdas/workflows/failure-messages';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../local/local-env';
import { startLocalStackProcess, type LocalStackProcess } from './local-stack-process';

/**
 * The provisioning workflow end to end: the real ASL file run by the local Step Functions runner, the
 * real step handlers, against the sandbox's EC2, Route 53, SESv2 and SSM. Faults are global to a
 * sandbox, so this file runs its own stack and its scenarios one after another.
 */
let stack: LocalStackProcess;

beforeAll(async () => {
  stack = await startLocalStackProcess({ env: { STACKPRO_SANDBOX_PROFILE: 'fast' } });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

async function edge(method: string, path: string, json?: unknown) {
  const res = await fetch(`${stack.edgeUrl}${path}`, {
    method,
    headers: json === undefined ? {} : { 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

interface Inventory {
  instances: { instanceId: string; state: string; instanceType: string; publicIp: string | null; tags: Record<string, string> }[];
  records: { name: string; type: string; values: string[] }[];
  identities: { identity: string; status: string }[];
  commands: { commandId: string; instanceId: string; status: string }[];
}

/** What the sandbox holds for one customer: live instances by tag, records and identity by subdomain. */
async function holdings(customerId: string, subdomain: string) {
  const { body } = (await edge('GET', '/_sandbox/inventory')) as { body: Inventory };
  const tagged = (tags: Record<string, string> | { Key: string; Value: string }[]) =>
    Array.isArray(tags) ? tags.some((t) => t.Key === 'Customer' && t.Value === customerId) : tags.Customer === customerId;
  const under = (name: string) => {
    const bare = name.replace(/\.$/, '');
    return bare === subdomain || bare.endsWith(`.${subdomain}`);
  };
  // Phone numbers are listed by their Customer tag (the sandbox filters them).
  const numbers = (await edge('GET', `/_sandbox/inventory?customer=${customerId}`)).body as { phoneNumbers: unknown[] };
  return {
    instances: body.instances.filter((i) => tagged(i.tags) && i.state !== 'terminated'),
    records: body.records.filter((r) => under(r.name)),
    identities: body.identities.filter((i) => i.identity === subdomain),
    phoneNumbers: numbers.phoneNumbers,
  };
}

async function signUp(plan = 'starter') {
  const res = await signUpVerified(newSignup({ plan }), { base: stack.apiUrl, edge: stack.edgeUrl });
  expect(res.status).toBe(201);
  return res.body as { customerId: string; accessToken: string; subdomain: string; email?: string };
}

/** Polls the status route until provisioning has ended (active with email checked, or failed). */
async function settled(customer: { customerId: string; accessToken: string }, until: (body: any) => boolean = defaultSettled) {
  return eventually(async () => {
    const res = await call('GET', `/customers/${customer.customerId}/status`, { token: customer.accessToken, base: stack.apiUrl });
    return until(res.body) ? res.body : undefined;
  }, 60_000, 'provisioning to settle');
}
/**
 * Settled: failed, or active with the last step (the welcome email) logged, email verified (by activation, or
 * later by the scheduled DKIM sweep, VerifyEmailDomains), and no step still running.
 */
const defaultSettled = (body: any) =>
  body.provisioning?.currentStep === null &&
  (body.status === 'failed' ||
    (body.status === 'active' &&
      body.services?.email === 'running' &&
      body.provisioning.steps.some((step: { name: string; endedAt?: string }) => step.name === 'Send welcome email' && step.endedAt)));

async function fault(service: string, action: string, error: string, times: number) {
  const res = await edge('POST', '/_sandbox/faults', { service, action, error, times });
  expect(res.status).toBeLessThan(300);
}

/** Settled, and the step log already holds `step` (Activate ends before the email steps start). */
const settledWith = (step: string) => (body: any) => defaultSettled(body) && body.provisioning.steps.some((s: { name: string }) => s.name === step);

async function expectActive(customer: { customerId: string; accessToken: string; subdomain: string }, until = defaultSettled) {
  const status = await settled(customer, until);
  expect(status.status).toBe('active');
  expect(status.publicIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  expect(status.services).toEqual({ website: 'running', crm: 'running', email: 'running' });
  const held = await holdings(customer.customerId, customer.subdomain);
  expect(held.instances).toHaveLength(1);
  expect(held.instances[0].state).toBe('running');
  expect(held.records).toContainEqual(expect.objectContaining({ name: expect.stringMatching(new RegExp(`^${customer.subdomain}\\.?$`)), type: 'A', values: [status.publicIp] }));
  expect(held.identities).toHaveLength(1);
  // Every secret is tagged with this customer's current instance, the only one IAM lets read it (part 4).
  const instanceArn = `arn:aws:ec2:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:instance/${held.instances[0].instanceId}`;
  expect(await secretTags(customer.customerId)).toEqual(Object.keys(CUSTOMER_SECRETS).map(() => instanceArn));
  return status;
}

/** The StackProInstance tag of each of the customer's secrets, as the sandbox's Parameter Store holds it. */
async function secretTags(customerId: string): Promise<(string | undefined)[]> {
  const ssm = new SSMClient({ region: LOCAL_REGION, endpoint: stack.edgeUrl, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    return await Promise.all(
      (Object.keys(CUSTOMER_SECRETS) as CustomerSecret[]).map(async (secret) => {
        const listed = await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: customerParameterName(customerId, secret) }));
        return listed.TagList?.find((tag) => tag.Key === 'StackProInstance')?.Value;
      }),
    );
  } finally {
    ssm.destroy();
  }
}

/** The exact sentence a known AWS error code becomes in the status route (lambdas/workflows/failure-messages.ts). */
function sentence(code: string): RegExp {
  const text = KNOWN_ERROR_CODES[code];
  if (!text) throw new Error(`${code} has no sentence`);
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

async function expectRolledBack(customer: { customerId: string; accessToken: string; subdomain: string }, reason: RegExp) {
  // The account says failed a moment before "Mark customer failed" logs its own end: wait for both.
  const status = await settled(customer, settledWith('Mark customer failed'));
  expect(status.status).toBe('failed');
  expect(status.failureReason).toMatch(reason);
  // Only sentences we wrote: never an ARN, an account id or an AWS error text (issue 7, part 6).
  expect(JSON.stringify(status)).not.toMatch(new RegExp(`arn:aws|${LOCAL_ACCOUNT_ID}`));
  // Each rollback state logs under its own name, as the console shows it.
  for (const name of ['Roll back: cancel subscription', 'Roll back: remove DNS records', 'Roll back: delete email identity', 'Roll back: terminate instance', 'Roll back: release messaging channels', 'Mark customer failed']) {
    expect(status.provisioning.steps).toContainEqual(expect.objectContaining({ name, status: 'succeeded' }));
  }
  expect(status.provisioning.steps.some((s: { status: string }) => s.status === 'failed')).toBe(true);
  // Nothing that costs money or leaks is left behind.
  const held = await holdings(customer.customerId, customer.subdomain);
  expect(held).toEqual({ instances: [], records: [], identities: [], phoneNumbers: [] });
  return status;
}

async function outboxFor(address: string) {
  const { body } = await edge('GET', '/_sandbox/outbox');
  return (body.emails as { to: string[] | string; subject: string }[]).filter((e) => [e.to].flat().includes(address));
}

describe('provisioning workflow on the sandbox', () => {
  it('takes a signup to active with a subdomain, an IP, the apps deployed and a welcome email', async () => {
    const signup = newSignup({ plan: 'business' });
    const created = (await signUpVerified(signup, { base: stack.apiUrl, edge: stack.edgeUrl })).body;
    const status = await expectActive(created, settledWith('Send welcome email'));
    expect(status.provisioning.currentStep).toBeNull();
    // The execution ends after the welcome email; email verification is the scheduled sweep's, not a step.
    const names = ['Start provisioning', 'Launch instance', 'Check instance', 'Create email identity', 'Publish DKIM records', 'Set up billing', 'Point subdomain at instance', 'Check DNS change', 'Check instance agent', 'Deploy applications', 'Check deployment', 'Activate customer', 'Send welcome email'];
    const story = await settled(created, (body) => defaultSettled(body) && names.every((name) => body.provisioning.steps.some((s: { name: string }) => s.name === name)));
    expect(story.provisioning.steps.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(names));
    expect(story.provisioning.steps.every((s: { status: string; endedAt?: string }) => s.status === 'succeeded' && s.endedAt)).toBe(true);
    // Email running came from activation or the DKIM sweep, which the local scheduler runs on the sandbox's clock.
    const schedules = (await edge('GET', '/_sandbox/schedules')).body as { jobs: { id: string; lastRun: { ok: boolean } | null }[] };
    expect(schedules.jobs).toContainEqual(expect.objectContaining({ id: 'VerifyEmailDomains', lastRun: expect.objectContaining({ ok: true }) }));
    const held = await holdings(created.customerId, created.subdomain);
    expect(held.instances[0]).toMatchObject({ instanceType: 't3.small' });
    expect(held.records.filter((r) => r.type === 'CNAME')).toHaveLength(3);
    // The verification email first, then exactly one welcome email.
    const mails = await outboxFor(signup.email.trim().toLowerCase());
    expect(mails.map((mail) => mail.subject)).toEqual(['Confirm your email address for StackPro', expect.stringContaining('ready')]);
  });

  // Every step's retry and rollback path runs in milliseconds in test/unit/provisioning/state-machine.test.ts
  // (fake steps, the real ASL). Here the real steps meet real wire-protocol errors: the recoverable faults of
  // every protocol (EC2 query, Route 53 REST-XML, SESv2 REST-JSON, SSM JSON) and one fatal fault per protocol
  // and per failure kind. Recoverable faults on different steps share a signup (each must be absorbed, or it
  // never reaches active): the matrix is a few end-to-end runs, not one per fault.
  describe.each([
    // [what the signup meets, faults that retries absorb: [service, action, error, times]]
    [
      'no capacity in the first AZ, and throttled SESv2, Route 53 and SSM',
      [
        ['ec2', 'RunInstances', 'InsufficientInstanceCapacity', 1],
        ['sesv2', 'CreateEmailIdentity', 'TooManyRequestsException', 4],
        ['route53', 'ChangeResourceRecordSets', 'Throttling', 4],
        ['ssm', 'SendCommand', 'ThrottlingException', 4],
        // A business signup: its SMS number request is throttled too.
        ['sms-voice', 'RequestPhoneNumber', 'ThrottlingException', 4],
      ],
    ],
    [
      // Every subnet, twice over (2 subnets x the SDK's 3 attempts, twice): the customer waits for capacity, then
      // the launch is throttled past the SDK's own retries, and the step's Retry absorbs that too.
      'no capacity anywhere (waits), then a throttled launch',
      [
        ['ec2', 'RunInstances', 'InsufficientInstanceCapacity', 12],
        ['ec2', 'RunInstances', 'RequestLimitExceeded', 4],
      ],
    ],
  ] as [string, [string, string, string, number][]][])('%s', (_what, faults) => {
    it(`recovers from ${faults.map(([, action, error, times]) => `${times} x ${error} on ${action}`).join(', ')} and reaches active`, async () => {
      await edge('DELETE', '/_sandbox/faults');
      for (const [service, action, error, times] of faults) await fault(service, action, error, times);
      const customer = await signUp(faults.some(([service]) => service === 'sms-voice') ? 'business' : 'starter');
      await expectActive(customer);
      const pending = JSON.stringify((await edge('GET', '/_sandbox/faults')).body);
      for (const [, action] of faults) expect(pending).not.toContain(action);
    });
  });

  /** Rolled-back signups, retried together once every fatal fault has been seen (faults are global to the sandbox). */
  const rolledBack: { customer: { customerId: string; accessToken: string; subdomain: string }; step: string }[] = [];

  describe.each([
    // [step, fault retries cannot fix (repeated past the SDK's own retries), the reason the account shows]
    ['Launch instance', 'ec2', 'RunInstances', 'UnauthorizedOperation', 10, sentence('UnauthorizedOperation')],
    ['Check instance', 'ec2', 'InstanceOutcome', 'terminated', 1, /^Instance i-[0-9a-f]+ is (shutting-down|terminated)$/],
    ['Create email identity', 'sesv2', 'CreateEmailIdentity', 'LimitExceededException', 10, sentence('LimitExceededException')],
    ['Publish DKIM records', 'route53', 'ChangeResourceRecordSets', 'InvalidChangeBatch', 10, sentence('InvalidChangeBatch')],
    ['Check deployment (command fails)', 'ssm', 'CommandOutcome', 'Failed', 1, /^Deployment command [0-9a-f-]+ ended Failed$/],
    // A business signup whose number cannot be had: the WhatsApp number it claimed goes back to the pool.
    ['Allocate messaging channels', 'sms-voice', 'RequestPhoneNumber', 'AccessDeniedException', 10, sentence('AccessDeniedException')],
  ])('%s', (step, service, action, error, times, reason) => {
    it(`rolls back everything after ${error} on ${action}`, async () => {
      await edge('DELETE', '/_sandbox/faults');
      await fault(service as string, action as string, error as string, times as number);
      const customer = await signUp(service === 'sms-voice' ? 'business' : 'starter');
      await expectRolledBack(customer, reason as RegExp);
      rolledBack.push({ customer, step: step as string });
    });
  });

  it('takes each rolled-back signup to active when the operators retry it', async () => {
    expect(rolledBack.map(({ step }) => step)).toEqual(['Launch instance', 'Check instance', 'Create email identity', 'Publish DKIM records', 'Check deployment (command fails)', 'Allocate messaging channels']);
    await edge('DELETE', '/_sandbox/faults');
    await Promise.all(
      rolledBack.map(async ({ customer }) => {
        const retry = await signedFetch('POST', new URL(`${stack.apiUrl}/admin/customers/${customer.customerId}/provisioning/retry`));
        expect(retry.status).toBe(202);
        const retried = await settled(customer, (body) => body.provisioning?.attempt === 2 && defaultSettled(body));
        expect(retried.status).toBe('active');
        expect(retried.provisioning.executionName).toMatch(/-attempt-2$/);
        await expectActive(customer);
      }),
    );
  });

  it('keeps the customer active when only the welcome email fails for good', async () => {
    await edge('DELETE', '/_sandbox/faults');
    const signup = newSignup();
    const customer = (await call('POST', '/auth/signup', { json: signup, base: stack.apiUrl })).body;
    // The verification email goes out first; from then on SES refuses every email.
    const token = await verificationToken(signup.email, { edge: stack.edgeUrl });
    await fault('sesv2', 'SendEmail', 'MessageRejected', 100);
    expect((await call('POST', '/auth/verify-email', { json: { token }, base: stack.apiUrl })).status).toBe(200);
    const status = await expectActive(customer, settledWith('Send welcome email'));
    expect((await outboxFor(signup.email.trim().toLowerCase())).filter((e) => e.subject.includes('is ready'))).toHaveLength(0);
    expect(status.provisioning.steps).toContainEqual(
      expect.objectContaining({ name: 'Send welcome email', status: 'failed', message: `Not sent: ${KNOWN_ERROR_CODES.MessageRejected}` }),
    );
    await edge('DELETE', '/_sandbox/faults');
  });
});

/* eslint-disable @typescript-eslint/no-explicit-any -- status and inventory bodies are asserted field by field */
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../local/local-env';
import { LOCAL_PRICE_IDS } from '../../local/sandbox/stripe/prices';
import { runCli } from '../../bin/cli/run';
import { call, eventually, newSignup, signUpVerified } from './api-client';
import { sharedLocalStack } from './local-stack-process';

/**
 * A plan change end to end on the shared local stack: the route moves the Stripe sandbox's subscription,
 * its webhook starts ResizeCustomer, which runs the real steps against the sandbox EC2, Route 53 and SSM.
 */
const { edgeUrl } = sharedLocalStack();

async function edge(method: string, path: string, json?: unknown) {
  const res = await fetch(`${edgeUrl}${path}`, {
    method,
    headers: json === undefined ? {} : { 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const status = async (customer: { customerId: string; accessToken: string }) =>
  (await call('GET', `/customers/${customer.customerId}/status`, { token: customer.accessToken })).body;

async function activeStarter() {
  const created = (await signUpVerified(newSignup({ plan: 'starter' }))).body;
  await eventually(async () => ((await status(created)).status === 'active' ? true : undefined), 30_000, 'active');
  return created as { customerId: string; accessToken: string };
}

/** The customer's subscription in the Stripe sandbox: its one item's price. */
async function subscriptionPriceOf(customerId: string): Promise<string> {
  const { body } = await edge('GET', '/_sandbox/stripe/state');
  const subscription = Object.values(body.subscriptions as Record<string, any>).find((one) => one.metadata?.customerId === customerId);
  return subscription.items.data[0].price.id;
}

/** `npx stackpro <args> --json` in this process (bin/cli/run.ts, SigV4 to the admin routes), stdout captured. */
async function stackpro(args: string[]): Promise<{ code: number; json: any }> {
  const chunks: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => chunks.push(String(chunk)) > 0);
  const quiet = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await runCli([...args, '--json']);
    return { code, json: JSON.parse(chunks.join('')) };
  } finally {
    write.mockRestore();
    quiet.mockRestore();
    // A failed resize sets the exit code for the bin; not for this test process.
    process.exitCode = undefined;
  }
}

async function instanceOf(customerId: string) {
  const { body } = await edge('GET', `/_sandbox/inventory?customer=${customerId}`);
  return body.instances[0];
}

describe('POST /billing/plan', () => {
  it('resizes an active customer to the new plan: status shows the plan and the resize steps', async () => {
    const customer = await activeStarter();

    // The burst: 50 identical requests at once are one change, one Stripe update, one resize.
    const answers = await Promise.all(Array.from({ length: 50 }, () => call('POST', '/billing/plan', { token: customer.accessToken, json: { plan: 'business' } })));
    expect(answers.map((res) => res.status)).toEqual(Array(50).fill(202));
    expect(answers[0].body).toEqual({ plan: 'starter', pendingPlan: 'business' });

    let last: any;
    const done = await eventually(async () => {
      last = await status(customer);
      const completed = last.workflow?.steps?.some((step: any) => step.name === 'Complete plan change' && step.status === 'succeeded');
      return last.plan === 'business' && completed ? last : undefined;
    }, 30_000, 'the resize to finish').catch((error) => {
      throw new Error(`${(error as Error).message}: ${JSON.stringify({ plan: last?.plan, pendingPlan: last?.pendingPlan, workflow: last?.workflow })}`);
    });
    expect(done.pendingPlan).toBeUndefined();
    expect(done.workflow.name).toBe('ResizeCustomer');
    expect(done.workflow.steps.map((step: any) => step.name)).toEqual(
      expect.arrayContaining(['Stop instance', 'Change instance type', 'Start instance', 'Point subdomain at instance', 'Check apps answer', 'Complete plan change']),
    );
    const instance = await instanceOf(customer.customerId);
    expect(instance).toMatchObject({ state: 'running', instanceType: 't3.small', publicIp: done.publicIp });
    expect(done.workflow.steps.filter((step: any) => step.name === 'Change instance type')).toHaveLength(1);
    const { body } = await edge('GET', '/_sandbox/stripe/events?type=customer.subscription.updated');
    const priceChanges = body.events.filter(
      (stored: any) => stored.event.data.object.metadata?.customerId === customer.customerId && stored.event.data.previous_attributes?.items,
    );
    expect(priceChanges).toHaveLength(1);
    // The upgrade brings messaging: the resize's "Allocate messaging channels" gives the account its numbers.
    const channels = await eventually(async () => {
      const res = await call('GET', '/messaging/channels', { token: customer.accessToken });
      return res.status === 200 ? res.body : undefined;
    }, 15_000, 'messaging channels after the upgrade');
    expect(channels).toMatchObject({ sms: { number: expect.stringMatching(/^\+1/) }, whatsapp: { number: expect.stringMatching(/^\+/) } });
  }, 45_000);

  it('puts the previous type back and records why when the type change fails (an operator\'s `npx stackpro resize`)', async () => {
    const customer = await activeStarter();
    await edge('POST', '/_sandbox/faults', { service: 'ec2', action: 'ModifyInstanceAttribute', error: 'UnauthorizedOperation', times: 1 });

    // The operators' CLI: POST /admin/customers/{id}/plan signed with SigV4, then the resize followed to its end.
    const cli = await stackpro(['resize', customer.customerId, 'enterprise']);
    expect(cli.code).toBe(1);
    expect(cli.json).toMatchObject({ change: { plan: 'starter', pendingPlan: 'enterprise' }, outcome: 'failed', plan: 'starter', planChangeFailure: expect.any(String) });

    const failed = await eventually(async () => {
      const body = await status(customer);
      return body.planChangeFailure ? body : undefined;
    }, 30_000, 'the resize to fail');
    expect(failed).toMatchObject({ plan: 'starter', status: 'active' });
    expect(failed.pendingPlan).toBeUndefined();
    const instance = await eventually(async () => {
      const one = await instanceOf(customer.customerId);
      return one?.state === 'running' ? one : undefined;
    }, 15_000, 'the instance to run again');
    expect(instance.instanceType).toBe('t3.micro');
    // The plan was never delivered: the subscription is back on the previous price.
    await eventually(async () => ((await subscriptionPriceOf(customer.customerId)) === LOCAL_PRICE_IDS.starter ? true : undefined), 10_000, 'the previous price');
  }, 45_000);

  it('a resize stopped from the console (StopExecution) is put back: previous type running, previous price, no pending plan', async () => {
    const customer = await activeStarter();
    // Holds the resize at "Stop instance" for a moment (EC2 keeps answering IncorrectInstanceState), long enough to stop it there.
    await edge('POST', '/_sandbox/faults', { service: 'ec2', action: 'StopInstances', error: 'IncorrectInstanceState', times: 30 });
    expect((await call('POST', '/billing/plan', { token: customer.accessToken, json: { plan: 'business' } })).status).toBe(202);
    const executionName = await eventually(async () => {
      const body = await status(customer);
      return body.workflow?.name === 'ResizeCustomer' && body.workflow.steps.some((step: any) => step.name === 'Stop instance') ? body.workflow.executionName : undefined;
    }, 15_000, 'the resize at Stop instance');

    const sfn = new SFNClient({ endpoint: edgeUrl, region: LOCAL_REGION, credentials: { accessKeyId: 'support', secretAccessKey: 'support' } });
    try {
      await sfn.send(new StopExecutionCommand({ executionArn: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:execution:ResizeCustomer:${executionName}`, cause: 'Stopped by support' }));
    } finally {
      sfn.destroy();
    }

    const ended = await eventually(async () => {
      const body = await status(customer);
      return body.planChangeFailure ? body : undefined;
    }, 20_000, 'the stopped resize to be put back');
    expect(ended).toMatchObject({ plan: 'starter', status: 'active', planChangeFailure: 'Changing the plan was stopped before it finished.' });
    expect(ended.pendingPlan).toBeUndefined();
    const instance = await eventually(async () => {
      const one = await instanceOf(customer.customerId);
      return one?.state === 'running' ? one : undefined;
    }, 15_000, 'the instance running');
    expect(instance.instanceType).toBe('t3.micro');
    await eventually(async () => ((await subscriptionPriceOf(customer.customerId)) === LOCAL_PRICE_IDS.starter ? true : undefined), 10_000, 'the previous price');
  }, 60_000);
});

/* eslint-disable @typescript-eslint/no-explicit-any -- status and inventory bodies are asserted field by field */
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
    expect(done.workflow.steps.map((step: any) => step.name)).toEqual(expect.arrayContaining(['Stop instance', 'Change instance type', 'Start instance', 'Complete plan change']));
    const instance = await instanceOf(customer.customerId);
    expect(instance).toMatchObject({ state: 'running', instanceType: 't3.small', publicIp: done.publicIp });
    expect(done.workflow.steps.filter((step: any) => step.name === 'Change instance type')).toHaveLength(1);
    const { body } = await edge('GET', '/_sandbox/stripe/events?type=customer.subscription.updated');
    const priceChanges = body.events.filter(
      (stored: any) => stored.event.data.object.metadata?.customerId === customer.customerId && stored.event.data.previous_attributes?.items,
    );
    expect(priceChanges).toHaveLength(1);
  }, 45_000);

  it('puts the previous type back and records why when the type change fails', async () => {
    const customer = await activeStarter();
    await edge('POST', '/_sandbox/faults', { service: 'ec2', action: 'ModifyInstanceAttribute', error: 'UnauthorizedOperation', times: 1 });

    expect((await call('POST', '/billing/plan', { token: customer.accessToken, json: { plan: 'enterprise' } })).status).toBe(202);

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
  }, 45_000);
});

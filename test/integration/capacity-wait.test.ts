/* eslint-disable @typescript-eslint/no-explicit-any -- status bodies are asserted field by field */
import { call, eventually, newSignup, signUpVerified } from './api-client';
import { startLocalStackProcess, type LocalStackProcess } from './local-stack-process';

/**
 * Capacity runs out (issue 9): a sandbox account with a vCPU quota of 0, so EC2 answers every RunInstances
 * with the real VcpuLimitExceeded. The customer waits as `waiting_for_capacity` for the capacity wait (300
 * model seconds here, 3 s on the fast profile; the step sees the compressed wait, so its sentences say
 * "0 minutes"), then provisioning rolls back with a reason the customer can read. Waiting that ends in a server is covered by the provisioning matrix and the fake-step harness.
 */
let stack: LocalStackProcess;

beforeAll(async () => {
  stack = await startLocalStackProcess({
    env: { STACKPRO_SANDBOX_PROFILE: 'fast', STACKPRO_SANDBOX_VCPU_QUOTA: '0', STACKPRO_CAPACITY_WAIT_SECONDS: '300' },
    readyTimeoutMs: 120_000,
  });
}, 150_000);

afterAll(async () => {
  await stack?.stop();
});

it('waits for capacity while the vCPU quota is used up, then rolls back after the capacity wait', async () => {
  const customer = (await signUpVerified(newSignup(), { base: stack.apiUrl, edge: stack.edgeUrl })).body;
  const status = async () => (await call('GET', `/customers/${customer.customerId}/status`, { token: customer.accessToken, base: stack.apiUrl })).body;

  // The status changes a moment before the step log says why: wait for both.
  const launchStep = (body: any) => body.provisioning?.steps.find((step: { name: string }) => step.name === 'Launch instance');
  const waiting = await eventually(async () => {
    const body = await status();
    return body.status === 'waiting_for_capacity' && launchStep(body)?.message?.startsWith('Waiting') ? body : undefined;
  }, 20_000, 'the customer to wait for capacity');
  expect(launchStep(waiting)).toMatchObject({ status: 'running', message: expect.stringMatching(/^Waiting for server capacity for t3\.\w+ \(up to \d+ minutes?\)$/) });

  const failed = await eventually(async () => {
    const body: any = await status();
    return body.status === 'failed' && body.provisioning.currentStep === null ? body : undefined;
  }, 30_000, 'provisioning to roll back after the capacity wait');
  expect(failed.failureReason).toMatch(/^No server capacity for t3\.\w+ became available within \d+ minutes?$/);
  const inventory = (await (await fetch(`${stack.edgeUrl}/_sandbox/inventory`)).json()) as { instances: { tags: Record<string, string> | { Key: string; Value: string }[] }[] };
  expect(JSON.stringify(inventory.instances)).not.toContain(customer.customerId);
});

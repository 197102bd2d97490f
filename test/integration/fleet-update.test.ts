/* eslint-disable @typescript-eslint/no-explicit-any -- report and inventory bodies are asserted field by field */
import { signedFetch } from '../../bin/admin-request';
import { runCli } from '../../bin/cli/run';
import { APP_VERSIONS, CURRENT_APP_VERSION } from '../../lambdas/core/app-versions';
import { apiBase, call, edgeBase, eventually, newSignup, signUpVerified } from './api-client';

/**
 * A fleet update on the shared local stack, for real: three customers provisioned, the next version rolled
 * to them by list (other tests' customers are never targeted), two at a time, one failure tolerated; the
 * sandbox fails one server's health check. The FleetUpdate workflow runs the same ASL as in AWS, its steps
 * send the deploy document through the sandbox's Run Command, and the report and inventory agree.
 */
const NEXT = APP_VERSIONS.find((entry) => entry.version !== CURRENT_APP_VERSION)!.version;

async function edge(method: string, path: string, json?: unknown) {
  const res = await fetch(`${edgeBase()}${path}`, { method, headers: { 'content-type': 'application/json' }, body: json === undefined ? undefined : JSON.stringify(json) });
  return { status: res.status, body: (await res.json()) as any };
}

async function admin(method: string, path: string, body?: unknown) {
  const res = await signedFetch(method, new URL(`${apiBase()}${path}`), body);
  return { status: res.status, body: (await res.json()) as any };
}

/** bin/cli/run.ts in this process with --json, its stdout captured (as test/integration/operators-cli.test.ts does). */
async function stackpro(args: string[]): Promise<{ code: number; json: any }> {
  const chunks: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => chunks.push(String(chunk)) > 0);
  const quiet = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await runCli([...args, '--json']);
    return { code, json: chunks.length > 0 ? JSON.parse(chunks.join('')) : undefined };
  } finally {
    write.mockRestore();
    quiet.mockRestore();
  }
}

it('rolls the next version to listed customers in waves, rolls back the one whose apps fail, and reports each', async () => {
  const signups = await Promise.all(Array.from({ length: 3 }, () => signUpVerified(newSignup())));
  const customers = signups.map((res) => ({ customerId: res.body.customerId as string, accessToken: res.body.accessToken as string }));
  await Promise.all(
    customers.map((customer) =>
      eventually(async () => {
        const res = await call('GET', `/customers/${customer.customerId}/status`, { token: customer.accessToken });
        return res.body.status === 'active' && res.body.provisioning?.currentStep === null ? true : undefined;
      }, 60_000, 'provisioning'),
    ),
  );
  const ids = customers.map((customer) => customer.customerId);
  expect((await edge('POST', '/_sandbox/faults', { service: 'ssm', action: 'AppHealthCheck', error: 'Unhealthy', times: 1 })).status).toBe(201);

  const request = { version: NEXT, target: { customerIds: ids }, maxConcurrent: 2, maxFailures: 1 };
  const [first, again] = await Promise.all([admin('POST', '/admin/fleet-updates', request), admin('POST', '/admin/fleet-updates', request)]);
  expect([first.status, again.status]).toEqual([202, 202]);
  expect(again.body.updateId).toBe(first.body.updateId);
  expect([first.body.created, again.body.created].filter(Boolean)).toHaveLength(1);

  // The operators' CLI follows it to the end (progress on stderr) and prints the report as JSON.
  const { code, json: report } = await stackpro(['fleet', 'show', first.body.updateId, '--wait', '--timeout', '60']);
  expect(code).toBe(0);

  expect(report.status).toBe('completed');
  expect(report.progress).toMatchObject({ total: 3, updated: 2, failed: 1, skipped: 0, pending: 0 });
  const failed = report.customers.find((line: any) => line.result === 'failed');
  expect(failed).toMatchObject({ fromVersion: CURRENT_APP_VERSION, toVersion: NEXT, rolledBack: true, reason: expect.stringMatching(/^Health check failed: .*; rolled back to /) });
  for (const line of report.customers) expect(line.durationSeconds).toBeGreaterThan(0);

  // What the servers run, per the sandbox, and what support reads on each customer.
  for (const line of report.customers) {
    const inventory = (await edge('GET', `/_sandbox/inventory?customer=${line.customerId}`)).body;
    const expected = line.result === 'updated' ? NEXT : CURRENT_APP_VERSION;
    expect(inventory.instances.map((instance: any) => instance.appVersion)).toEqual([expected]);
    expect((await admin('GET', `/admin/customers/${line.customerId}`)).body.appVersion).toBe(expected);
  }
  expect((await edge('GET', '/_sandbox/faults')).body.faults.filter((fault: any) => fault.action === 'AppHealthCheck')).toEqual([]);
}, 150_000);

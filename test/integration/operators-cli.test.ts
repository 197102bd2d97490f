import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { signedFetch } from '../../bin/admin-request';
import { runCli } from '../../bin/cli/run';
import { apiBase, call, eventually, newSignup, signUpVerified } from './api-client';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '..', '..', 'bin', 'stackpro.cjs');

/** The CLI's bin (`npx stackpro`) in a process of its own, as an operator runs it: about 2 s of start-up each. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CLI JSON is asserted field by field
async function spawnStackpro(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; json: any; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args, '--json'], { env, timeout: 60_000 });
    return { code: 0, json: JSON.parse(stdout), stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, json: failed.stdout ? JSON.parse(failed.stdout) : undefined, stderr: failed.stderr };
  }
}

/** The same CLI code (bin/cli/run.ts, what the bin runs) in this process, its stdout captured: no start-up cost. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CLI JSON is asserted field by field
async function stackpro(args: string[]): Promise<{ code: number; json: any }> {
  const chunks: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => chunks.push(String(chunk)) > 0);
  const quiet = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await runCli([...args, '--json']);
    const text = chunks.join('');
    return { code, json: text ? JSON.parse(text) : undefined };
  } finally {
    write.mockRestore();
    quiet.mockRestore();
  }
}

const statusOf = async (customerId: string) => ((await (await signedFetch('GET', new URL(`${apiBase()}/admin/customers/${customerId}`))).json()) as { status: string }).status;

describe('operators CLI against the local stack', () => {
  it('finds, lists, shows, suspends and resumes a customer, and refuses what the API refuses', async () => {
    const signup = newSignup();
    const { body } = await signUpVerified(signup);
    const id = body.customerId as string;
    await eventually(async () => ((await statusOf(id)) === 'active' ? true : undefined), 30_000, 'customer active');

    // find by email and by subdomain; the local stack is the default without --api (PORT, no STACKPRO_API_URL)
    const { STACKPRO_API_URL: _unset, ...withoutUrl } = process.env;
    const byEmail = await spawnStackpro(['find', String(signup.email).toUpperCase()], { ...withoutUrl, PORT: new URL(apiBase()).port });
    expect(byEmail.code).toBe(0);
    expect(byEmail.json.items).toEqual([expect.objectContaining({ customerId: id, status: 'active', plan: signup.plan })]);
    const bySubdomain = await stackpro(['find', body.subdomain]);
    expect(bySubdomain.json.items.map((c: { customerId: string }) => c.customerId)).toEqual([id]);

    // list pages with a cursor through the status index: two one-item pages never repeat a customer
    const first = await stackpro(['list', '--status', 'active', '--limit', '1']);
    expect(first.json.items).toHaveLength(1);
    const second = await stackpro(['list', '--status', 'active', '--limit', '1', '--cursor', first.json.nextCursor]);
    expect(second.json.items[0]?.customerId).not.toBe(first.json.items[0].customerId);

    // show: the provisioning execution from Step Functions, SUCCEEDED, and the steps
    const shown = await stackpro(['show', id]);
    expect(shown.json.executions).toEqual([expect.objectContaining({ workflow: 'ProvisionCustomer', status: 'SUCCEEDED', executionName: expect.any(String) })]);
    expect(shown.json.email).toBe(String(signup.email).toLowerCase());

    // suspend --wait follows the workflow to `suspended`; again: nothing new starts
    const suspended = await stackpro(['suspend', id, '--wait', '--timeout', '60']);
    expect(suspended.code).toBe(0);
    expect(suspended.json.started.changed).toBe(true);
    expect(suspended.json.customer.status).toBe('suspended');
    expect((await stackpro(['suspend', id])).json).toEqual({ customerId: id, status: 'suspended', changed: false });

    // the API's refusals come through with their code and exit 1
    const retry = await stackpro(['retry-provisioning', id]);
    expect(retry.code).toBe(1);
    expect(retry.json.error.code).toBe('INVALID_STATE');
    const bad = await stackpro(['list', '--cursor', 'not-a-cursor']);
    expect(bad.json.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'cursor' }] });

    const resumed = await stackpro(['resume', id, '--wait', '--timeout', '60']);
    expect(resumed.json.customer.status).toBe('active');
    expect(resumed.json.customer.executions.map((e: { workflow: string; status: string }) => [e.workflow, e.status])).toEqual([
      ['ProvisionCustomer', 'SUCCEEDED'],
      ['SuspendCustomer', 'SUCCEEDED'],
      ['ResumeCustomer', 'SUCCEEDED'],
    ]);

    // the burst: 50 operators suspending at once start one workflow; every one is answered 202
    const url = new URL(`${apiBase()}/admin/customers/${id}/suspend`);
    const answers = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const res = await signedFetch('POST', url);
        return { status: res.status, body: (await res.json()) as { changed?: boolean } };
      }),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(202));
    expect(answers.filter((a) => a.body.changed === true)).toHaveLength(1);
    await eventually(async () => ((await statusOf(id)) === 'suspended' ? true : undefined), 30_000, 'customer suspended');
  }, 120_000);

  it('hides the new admin routes from unsigned requests (404) and refuses a customer\'s bearer token (403)', async () => {
    const { body } = await signUpVerified(newSignup());
    for (const [method, path] of [['GET', '/admin/customers'], ['GET', `/admin/customers/${body.customerId}`], ['POST', `/admin/customers/${body.customerId}/suspend`]] as const) {
      expect((await call(method, path)).status).toBe(404);
      const withToken = await call(method, path, { token: body.accessToken });
      expect([withToken.status, withToken.body.error.code]).toEqual([403, 'FORBIDDEN']);
    }
    expect(await statusOf(body.customerId)).not.toBe('suspending');
  });
});

/* eslint-disable @typescript-eslint/no-explicit-any -- status bodies are asserted field by field */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { signedFetch } from '../../bin/admin-request';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../local/local-env';
import { call, eventually, newSignup, signUpVerified } from './api-client';
import { startLocalStackProcess, type LocalStackProcess } from './local-stack-process';

/**
 * No customer in limbo: an execution stopped at the edge (as support would with the AWS CLI), or cut off
 * by a `kill -9` of the whole stack, ends with its customer `failed`, everything it created removed, and
 * the operators' retry working. Its own stacks: the sandbox runs 5x slower than `fast` (scale 0.05), so a
 * provisioning is still running when the test stops it.
 */
const SLOW_ENOUGH = { STACKPRO_SANDBOX_PROFILE: 'fast', STACKPRO_SANDBOX_TIME_SCALE: '0.05' };

interface Customer {
  customerId: string;
  accessToken: string;
  subdomain: string;
}

async function signUp(stack: LocalStackProcess): Promise<Customer> {
  const res = await signUpVerified(newSignup({ plan: 'starter' }), { base: stack.apiUrl, edge: stack.edgeUrl });
  return res.body;
}

async function status(stack: LocalStackProcess, customer: Customer): Promise<any> {
  const res = await call('GET', `/customers/${customer.customerId}/status`, { token: customer.accessToken, base: stack.apiUrl });
  expect(res.status).toBe(200);
  return res.body;
}

/** What the sandbox still holds for the customer: live instances by tag, records and identity under the subdomain. */
async function holdings(stack: LocalStackProcess, customer: Customer) {
  const body = (await (await fetch(`${stack.edgeUrl}/_sandbox/inventory`)).json()) as any;
  const under = (name: string) => name.replace(/\.$/, '') === customer.subdomain || name.replace(/\.$/, '').endsWith(`.${customer.subdomain}`);
  return {
    instances: body.instances.filter((i: any) => i.tags.Customer === customer.customerId && !['terminated', 'shutting-down'].includes(i.state)),
    records: body.records.filter((r: any) => under(r.name)),
    identities: body.identities.filter((i: any) => i.identity === customer.subdomain),
  };
}

async function expectFailedAndClean(stack: LocalStackProcess, customer: Customer, reason: RegExp) {
  const failed = await eventually(async () => {
    const body = await status(stack, customer);
    return body.status === 'failed' ? body : undefined;
  }, 30_000, `${customer.customerId} failed`);
  expect(failed.failureReason).toMatch(reason);
  expect(failed.provisioning.steps).toContainEqual(expect.objectContaining({ name: 'Clean up after the execution stopped', status: 'succeeded' }));
  expect(await holdings(stack, customer)).toEqual({ instances: [], records: [], identities: [] });
}

async function retryToActive(stack: LocalStackProcess, customer: Customer) {
  const retry = await signedFetch('POST', new URL(`${stack.apiUrl}/admin/customers/${customer.customerId}/provisioning/retry`));
  expect(retry.status).toBe(202);
  await eventually(async () => ((await status(stack, customer)).status === 'active' ? true : undefined), 60_000, `${customer.customerId} active after retry`);
}

function provisioningArn(executionName: string): string {
  return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:execution:ProvisionCustomer:${executionName}`;
}

describe('a stopped or crashed provisioning', () => {
  // One stack for both scenarios (a stack start costs seconds): the crash comes last, on the same data dir.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'stackpro-limbo-'));
  let stack: LocalStackProcess | undefined;
  beforeAll(async () => {
    stack = await startLocalStackProcess({ dataDir, env: SLOW_ENOUGH });
  }, 90_000);
  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stopped with StopExecution at the edge: ends failed with everything removed, and the retry reaches active', async () => {
    const current = stack!;
    const customer = await signUp(current);
    // Stopped once its server runs: the case that used to leave it `provisioning` with a live server.
    await eventually(async () => ((await holdings(current, customer)).instances.length > 0 ? true : undefined), 20_000, 'a server');
    const { executionName } = (await status(current, customer)).provisioning;
    const sfn = new SFNClient({ endpoint: current.edgeUrl, region: LOCAL_REGION, credentials: { accessKeyId: 'support', secretAccessKey: 'support' } });
    try {
      await sfn.send(new StopExecutionCommand({ executionArn: provisioningArn(executionName), cause: 'Stopped by support' }));
    } finally {
      sfn.destroy();
    }

    await expectFailedAndClean(current, customer, /^Provisioning was stopped before it finished\.$/);
    await retryToActive(current, customer);
  }, 120_000);

  it('cut off by a kill -9 of the whole stack: after the restart no customer is left provisioning', async () => {
    const first = stack!;
    const customers = await Promise.all([signUp(first), signUp(first)]);
    await eventually(
      async () => ((await Promise.all(customers.map((c) => holdings(first, c)))).every((h) => h.instances.length > 0) ? true : undefined),
      20_000,
      'every server launched',
    );
    for (const customer of customers) expect((await status(first, customer)).status).toBe('provisioning');

    // The crash: the stack, its tsx parent and DynamoDB Local all at once; no exit handler runs.
    for (const pid of [...descendantsOf(first.pid), first.pid]) killHard(pid);
    await first.stop('SIGKILL');

    stack = await startLocalStackProcess({ dataDir, env: SLOW_ENOUGH });
    const second = stack;
    for (const customer of customers) {
      await expectFailedAndClean(second, customer, /^Provisioning was stopped before it finished\.$/);
    }
    // Failed, so the operators' retry is accepted (the first scenario follows one to active).
    const retry = await signedFetch('POST', new URL(`${second.apiUrl}/admin/customers/${customers[0].customerId}/provisioning/retry`));
    expect(retry.status).toBe(202);
  }, 180_000);
});

/** Every process below `pid` (this test started them all), deepest first, read from /proc. */
function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command name (field 2) may hold spaces, so split after ')'.
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const below = (parent: number): number[] =>
    [...parents].filter(([, ppid]) => ppid === parent).flatMap(([child]) => [...below(child), child]);
  return below(pid);
}

function killHard(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

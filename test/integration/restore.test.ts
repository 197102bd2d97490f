import { signedFetch } from '../../bin/admin-request';
import { runCli } from '../../bin/cli/run';
import { apiBase, call, edgeBase, emailsTo, eventually, newSignup, signUpVerified } from './api-client';

interface Volume {
  volumeId: string;
  state: string;
  attachedTo: { instanceId: string; device: string; state: string } | null;
  snapshotId: string | null;
}
interface Inventory {
  instances: { instanceId: string; state: string }[];
  volumes: Volume[];
}

const adminUrl = (customerId: string, action: string) => new URL(`${apiBase()}/admin/customers/${customerId}/${action}`);
const inventory = async (customerId: string) => (await (await fetch(`${edgeBase()}/_sandbox/inventory?customer=${customerId}`)).json()) as Inventory;

async function activeCustomer() {
  const signup = newSignup({ plan: 'starter' });
  const created = (await signUpVerified(signup)).body;
  const customer = { customerId: created.customerId as string, accessToken: created.accessToken as string, email: signup.email as string };
  await eventually(async () => ((await call('GET', `/customers/${customer.customerId}/status`, { token: customer.accessToken })).body?.status === 'active' ? true : undefined), 60_000, 'provisioning');
  return customer;
}

/** A completed recovery point of the customer's data volume (an on-demand backup, as an operator takes one). */
async function backedUp(customer: { customerId: string; accessToken: string }): Promise<string> {
  expect((await signedFetch('POST', adminUrl(customer.customerId, 'backups'))).status).toBe(202);
  return eventually(
    async () => {
      const items = (await call('GET', `/customers/${customer.customerId}/backups`, { token: customer.accessToken })).body.items as { recoveryPointId: string; status: string }[];
      return items[0]?.status === 'COMPLETED' ? items[0].recoveryPointId : undefined;
    },
    15_000,
    'the recovery point',
  );
}

/** `npx stackpro <args> --json` in this process (the code bin/stackpro.cjs runs), its stdout parsed. */
async function stackpro(args: string[]): Promise<{ code: number; json: { started: { executionName: string }; restored: boolean; execution: { status: string } } }> {
  const chunks: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => chunks.push(String(chunk)) > 0);
  const quiet = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await runCli([...args, '--json']);
    return { code, json: JSON.parse(chunks.join('')) };
  } finally {
    write.mockRestore();
    quiet.mockRestore();
  }
}

/** The RestoreCustomer workflow on the local stack: the sandbox's AWS Backup restores to a new EBS volume. */
describe('restore', () => {
  it("restores a customer from its own recovery point end to end, and refuses another tenant's point", async () => {
    const [owner, other] = await Promise.all([activeCustomer(), activeCustomer()]);
    const [point, othersPoint] = await Promise.all([backedUp(owner), backedUp(other)]);
    const before = await inventory(owner.customerId);
    const [oldVolume] = before.volumes;
    expect(before.volumes).toHaveLength(1);

    // Another tenant's point answers like an unknown one, and nothing is touched.
    const refused = await signedFetch('POST', adminUrl(owner.customerId, 'restore'), { recoveryPointId: othersPoint });
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');

    // The operators' CLI starts it and follows the execution to its end.
    const cli = await stackpro(['restore', owner.customerId, point]);
    expect(cli.code).toBe(0);
    expect(cli.json).toMatchObject({ restored: true, execution: { status: 'SUCCEEDED' } });
    const { executionName } = cli.json.started;

    // The status route shows the restore as progress steps until it ends.
    const workflow = await eventually(
      async () => {
        const { workflow: latest } = (await call('GET', `/customers/${owner.customerId}/status`, { token: owner.accessToken })).body;
        return latest?.executionName === executionName && latest.currentStep === null && latest.steps.some((step: { name: string }) => step.name === 'Send restored email') ? latest : undefined;
      },
      10_000,
      'the status route to show the finished restore',
    );
    expect(workflow.name).toBe('RestoreCustomer');
    expect(workflow.steps.map((step: { name: string; status: string }) => [step.name, step.status])).toEqual(
      expect.arrayContaining([
        ['Start restore job', 'succeeded'],
        ['Detach current volume', 'succeeded'],
        ['Attach restored volume', 'succeeded'],
        ['Check applications', 'succeeded'],
        ['Confirm restore', 'succeeded'],
        ['Delete previous volume', 'succeeded'],
      ]),
    );

    // The server runs on one volume, restored from the point, at the root device; the old one is gone.
    const after = await inventory(owner.customerId);
    expect(after.instances.map((instance) => instance.state)).toEqual(['running']);
    expect(after.volumes).toEqual([expect.objectContaining({ snapshotId: point, attachedTo: expect.objectContaining({ instanceId: after.instances[0]!.instanceId, device: '/dev/xvda', state: 'attached' }) })]);
    expect(after.volumes[0]!.volumeId).not.toBe(oldVolume!.volumeId);
    // The other tenant's server was never touched.
    expect((await inventory(other.customerId)).volumes).toEqual([expect.objectContaining({ snapshotId: null, attachedTo: expect.objectContaining({ state: 'attached' }) })]);
    expect((await emailsTo(owner.email)).map((email) => email.subject)).toContain('Your StackPro data was restored from a backup');
  }, 60_000);
});

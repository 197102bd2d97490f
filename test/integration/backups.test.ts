import { signedFetch } from '../../bin/admin-request';
import { apiBase, call, edgeBase, eventually, newSignup, signUpVerified } from './api-client';

const backupsUrl = (customerId: string) => new URL(`${apiBase()}/admin/customers/${customerId}/backups`);
const minute = () => new Date().toISOString().slice(0, 16);

async function activeCustomer() {
  const created = (await signUpVerified(newSignup({ plan: 'starter' }))).body;
  const customer = { customerId: created.customerId as string, accessToken: created.accessToken as string };
  await eventually(
    async () => {
      const res = await call('GET', `/customers/${customer.customerId}/status`, { token: customer.accessToken });
      return res.body?.status === 'active' ? res.body : undefined;
    },
    60_000,
    'provisioning to finish',
  );
  return customer;
}

/** Backups on the local stack: AWS Backup in the sandbox, snapshots of the customer's volume in its EC2. */
describe('backups', () => {
  it('backs up now (a burst of 50 is one job), lists it to its owner only, and refuses another tenant and an unknown customer', async () => {
    const owner = await activeCustomer();

    const before = minute();
    const burst = await Promise.all(Array.from({ length: 50 }, () => signedFetch('POST', backupsUrl(owner.customerId))));
    const after = minute();
    expect(burst.map((res) => res.status)).toEqual(Array(50).fill(202));
    const jobIds = new Set(await Promise.all(burst.map(async (res) => ((await res.json()) as { backupJobId: string }).backupJobId)));
    // One job per customer per minute: a burst that straddles a minute boundary may start a second.
    expect(jobIds.size).toBeLessThanOrEqual(before === after ? 1 : 2);

    const listed = await eventually(
      async () => {
        const res = await call('GET', `/customers/${owner.customerId}/backups`, { token: owner.accessToken });
        expect(res.status).toBe(200);
        const items = res.body.items as { recoveryPointId: string; status: string; createdAt: string; sizeBytes?: number }[];
        return items.length === jobIds.size && items.every((item) => item.status === 'COMPLETED') ? items : undefined;
      },
      15_000,
      'the recovery point to complete',
    );
    expect(listed[0]!.recoveryPointId).toMatch(/^snap-[0-9a-f]+$/);
    expect(listed[0]!.sizeBytes).toEqual(expect.any(Number));

    // The recovery point is the EC2 snapshot of this customer's volume, in the sandbox inventory.
    const inventory = (await (await fetch(`${edgeBase()}/_sandbox/inventory?customer=${owner.customerId}`)).json()) as { recoveryPoints: { recoveryPointArn: string }[] };
    expect(inventory.recoveryPoints.map((point) => point.recoveryPointArn.split('/').pop()).sort()).toEqual(listed.map((item) => item.recoveryPointId).sort());

    // Another tenant asking for the owner's backups gets the answer an unknown id gets.
    const other = (await signUpVerified(newSignup())).body;
    const peek = await call('GET', `/customers/${owner.customerId}/backups`, { token: other.accessToken });
    expect(peek.status).toBe(404);
    expect(peek.body.error.code).toBe('NOT_FOUND');

    const ghost = await signedFetch('POST', backupsUrl('00000000-0000-4000-8000-000000000000'));
    expect(ghost.status).toBe(404);
  });
});

import { call, edgeBase, eventually, newSignup, signUpVerified } from './api-client';

const GIB = 2 ** 30;

async function collectUsage(): Promise<{ time: string; result: { measured: number } }> {
  const res = await fetch(`${edgeBase()}/_sandbox/schedules/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ job: 'CollectUsage' }),
  });
  const text = await res.text();
  expect(`${res.status} ${text}`).toMatch(/^200 /);
  return JSON.parse(text) as { time: string; result: { measured: number } };
}

const statusOf = async (customer: { customerId: string; accessToken: string }) =>
  (await call('GET', `/customers/${customer.customerId}/status`, { token: customer.accessToken })).body;

describe('measured usage on the status page (CollectUsage against the sandbox CloudWatch)', () => {
  it("shows the server's disk used, data out this month and backups once measured, and nothing before", async () => {
    const customer = (await signUpVerified()).body as { customerId: string; accessToken: string };
    const unverified = (await call('POST', '/auth/signup', { json: newSignup() })).body as { customerId: string; accessToken: string };
    await eventually(async () => ((await statusOf(customer)).status === 'active' ? true : undefined), 20_000, 'the customer to be active');

    const first = await collectUsage();
    const measured = await statusOf(customer);
    const second = await collectUsage();
    const remeasured = await statusOf(customer);

    expect(first.result.measured).toBeGreaterThanOrEqual(1);
    const monthStart = new Date(Date.UTC(new Date(first.time).getUTCFullYear(), new Date(first.time).getUTCMonth(), 1)).toISOString();
    expect(measured.usage).toEqual({
      measuredAt: first.time,
      diskUsedBytes: expect.any(Number),
      dataTransferredOut: { bytes: expect.any(Number), since: monthStart },
      backups: { count: 0, totalBytes: 0 },
    });
    expect(measured.usage.diskUsedBytes).toBeGreaterThan(3 * GIB);
    expect(measured.usage.dataTransferredOut.bytes).toBeGreaterThan(0);
    expect(remeasured.usage.measuredAt).toBe(second.time);
    expect(remeasured.usage.diskUsedBytes).toBeGreaterThanOrEqual(measured.usage.diskUsedBytes);
    expect(remeasured.usage.dataTransferredOut.bytes).toBeGreaterThan(measured.usage.dataTransferredOut.bytes);
    // No server, nothing measured: no usage at all rather than zeros.
    expect(await statusOf(unverified)).not.toHaveProperty('usage');
  }, 30_000);
});

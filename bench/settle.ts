import { performance } from 'node:perf_hooks';
import type { Account } from './api-latency';
import { runLoad } from './load';

/** The account's status (`provisioning`, `active`, `failed`, ...), or the HTTP status when the read failed. */
async function customerStatus(apiUrl: string, account: Account): Promise<string> {
  const response = await fetch(`${apiUrl}/customers/${account.customerId}/status`, {
    headers: { authorization: `Bearer ${account.accessToken}` },
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json().catch(() => ({}))) as { status?: string };
  return response.status === 200 && body.status ? body.status : `HTTP ${response.status}`;
}

const statusOrError = (apiUrl: string, account: Account) =>
  customerStatus(apiUrl, account).catch((error: Error) => `${error.name}`);

/**
 * Each signup starts a provisioning execution that keeps running in the stack (Wait states in real time,
 * polling the sandbox). Waits, at most `timeoutMs`, until no account is still `provisioning`, so those
 * executions do not compete with the read measurements: first for the newest account, then for all.
 */
export async function settle(apiUrl: string, accounts: readonly Account[], timeoutMs: number): Promise<SettleReport> {
  const started = performance.now();
  const expired = () => performance.now() - started > timeoutMs;
  const pause = () => new Promise((resolve) => setTimeout(resolve, 1_000));
  const newest = accounts[accounts.length - 1];
  while (!expired() && (await statusOrError(apiUrl, newest)) === 'provisioning') await pause();
  const statuses = new Map<Account, string>();
  let pending = [...accounts];
  while (pending.length > 0) {
    const seen: string[] = [];
    await runLoad(pending.length, 8, async (i) => {
      seen[i] = await statusOrError(apiUrl, pending[i]);
      return { ok: true, status: seen[i] };
    });
    pending.forEach((account, i) => statuses.set(account, seen[i]));
    pending = pending.filter((_, i) => seen[i] === 'provisioning');
    if (pending.length === 0 || expired()) break;
    await pause();
  }
  const counts: Record<string, number> = {};
  for (const status of statuses.values()) counts[status] = (counts[status] ?? 0) + 1;
  return { seconds: (performance.now() - started) / 1000, statuses: counts };
}

export interface SettleReport {
  /** How long the wait took after the last signup answered. */
  readonly seconds: number;
  /** Accounts per status when the reads began. */
  readonly statuses: Record<string, number>;
}

import type { EdgeRequest, EdgeResponse } from './edge/edge-service';
import type { SandboxRoute } from './edge/server';

/**
 * The billing sweeps EventBridge runs on a schedule in AWS (lib/billing-sweeps.ts), as plain functions
 * with an injectable `now`. Locally they run when this control route is called (tests, or by hand); the
 * shared local scheduler can call `runBillingSweep` on the same schedule (README "The local stack").
 */
export const BILLING_SWEEPS = {
  /** Deprovision accounts suspended for billing longer than BILLING_RETENTION_DAYS. */
  'lapsed-accounts': async (now: number) => (await import('../lambdas/services/sweep-lapsed-accounts')).sweepLapsedAccounts(now),
  /** Delete final-backup snapshots older than FINAL_SNAPSHOT_RETENTION_DAYS. */
  'expired-snapshots': async (now: number) => (await import('../lambdas/services/delete-expired-snapshots')).deleteExpiredSnapshots(now),
} as const;

export type BillingSweep = keyof typeof BILLING_SWEEPS;

/** Production's schedules, for a local scheduler: both daily (lib/billing-sweeps.ts). */
export const BILLING_SWEEP_INTERVAL_MS = 24 * 3600 * 1000;

/**
 * Runs one sweep in this process (the handler modules are imported on first use, after the Lambda
 * environment is applied, like every local handler).
 */
export function runBillingSweep(sweep: BillingSweep, now = Date.now()): Promise<unknown> {
  return BILLING_SWEEPS[sweep](now);
}

/**
 * `POST /_sandbox/billing/sweep` `{sweep: "lapsed-accounts" | "expired-snapshots", now?: ISO-8601 | epoch ms}`:
 * runs it now, as if the clock said `now` (to reach the end of a retention period without waiting it out),
 * and answers its result.
 */
export function billingSweepRoutes(): Record<string, SandboxRoute> {
  return {
    'POST /_sandbox/billing/sweep': async (request: EdgeRequest): Promise<EdgeResponse> => {
      let body: unknown;
      try {
        body = JSON.parse(request.body.toString('utf8') || '{}');
      } catch {
        return json(400, { error: 'The body must be JSON {"sweep": "lapsed-accounts" | "expired-snapshots", "now"?: ISO-8601 or epoch ms}' });
      }
      const { sweep, now, ...rest } = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
      if (Object.keys(rest).length > 0) return json(400, { error: `Unknown fields: ${Object.keys(rest).join(', ')}` });
      if (typeof sweep !== 'string' || !Object.hasOwn(BILLING_SWEEPS, sweep)) {
        return json(400, { error: `sweep must be one of ${Object.keys(BILLING_SWEEPS).join(', ')}` });
      }
      const at = now === undefined ? Date.now() : typeof now === 'number' ? now : typeof now === 'string' ? Date.parse(now) : NaN;
      if (!Number.isFinite(at)) return json(400, { error: 'now must be an ISO-8601 time or epoch milliseconds' });
      return json(200, { sweep, now: new Date(at).toISOString(), result: await runBillingSweep(sweep as BillingSweep, at) });
    },
  };
}

function json(statusCode: number, body: unknown): EdgeResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

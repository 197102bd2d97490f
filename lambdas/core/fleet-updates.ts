import { createHash } from 'node:crypto';
import type { PlanName } from './plans';

/** Which customers a fleet update rolls to: every active customer, one plan's, or a list (only the active ones). */
export type FleetTarget = { readonly all: true } | { readonly plan: PlanName } | { readonly customerIds: readonly string[] };

/**
 * `running` while the Map works; `completed` when every customer was tried within the error budget;
 * `stopped` when more than maxFailures failed and the rest was skipped, or (with a failureReason) when its
 * execution was stopped or timed out (lambdas/workflows/stopped-fleet-update.ts); `failed` when the workflow itself
 * could not run (its reason says why).
 */
export type FleetUpdateStatus = 'running' | 'completed' | 'stopped' | 'failed';

export interface FleetUpdate {
  readonly updateId: string;
  readonly version: string;
  readonly target: FleetTarget;
  readonly maxConcurrent: number;
  readonly maxFailures: number;
  /** Repeating a finished update (to retry the failed) takes the next attempt number. */
  readonly attempt: number;
  readonly status: FleetUpdateStatus;
  readonly executionName: string;
  /** The operator's IAM ARN, from the SigV4 signature. */
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Customers selected; absent until the selection ran. */
  readonly total?: number;
  readonly updated?: number;
  readonly failed?: number;
  readonly skipped?: number;
  /** Customers counted against the error budget: failed, or failing and being rolled back. */
  readonly failing?: number;
  readonly failureReason?: string;
}

/** `pending` (not started), `updating`, `rolling_back`, then one of the final results. */
export type CustomerUpdateResult = 'pending' | 'updating' | 'rolling_back' | 'updated' | 'failed' | 'skipped';

/** One customer's line of the report. */
export interface FleetUpdateCustomer {
  readonly customerId: string;
  readonly fromVersion?: string;
  readonly toVersion: string;
  readonly result: CustomerUpdateResult;
  readonly reason?: string;
  readonly instanceId?: string;
  readonly commandId?: string;
  readonly rollbackCommandId?: string;
  /** True when a failed customer was put back on its previous version (and its apps answered there). */
  readonly rolledBack?: boolean;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly durationSeconds?: number;
}

/** What the request is, as hashed: field order and list order do not make a different update. */
export interface FleetUpdateRequest {
  readonly version: string;
  readonly target: FleetTarget;
  readonly maxConcurrent: number;
  readonly maxFailures: number;
  readonly attempt: number;
}

/**
 * The update id, and so the execution name: a hash of the canonical request. The same request sent 50
 * times at once is one update and one execution (StartExecution with a name already running with the
 * same input succeeds; a lost race finds the stored record). Step Functions names allow 80 characters.
 */
export function fleetUpdateId(request: FleetUpdateRequest): string {
  const target = 'customerIds' in request.target ? { customerIds: [...new Set(request.target.customerIds)].sort() } : request.target;
  const canonical = JSON.stringify([request.version, target, request.maxConcurrent, request.maxFailures, request.attempt]);
  return `fu-${createHash('sha256').update(canonical).digest('hex').slice(0, 24)}`;
}

/** The execution's name: readable (version) and unique per update (its id). */
export function fleetExecutionName(updateId: string, version: string): string {
  return `fleet-${version.replace(/[^A-Za-z0-9-_]/g, '-')}-${updateId}`;
}

/** Results that end a customer's part of the update. */
export const FINAL_RESULTS: readonly CustomerUpdateResult[] = ['updated', 'failed', 'skipped'];

/**
 * Whether the error budget is spent: more than maxFailures customers failed, counting one from the moment
 * its health check failed (its rollback may still run). The customer after that is skipped.
 */
export function budgetSpent(update: Pick<FleetUpdate, 'failed' | 'failing' | 'maxFailures'>): boolean {
  return Math.max(update.failing ?? 0, update.failed ?? 0) > update.maxFailures;
}

/** A report line's result counts, for progress. */
export function countResults(customers: readonly Pick<FleetUpdateCustomer, 'result'>[]): Record<CustomerUpdateResult, number> {
  const counts: Record<CustomerUpdateResult, number> = { pending: 0, updating: 0, rolling_back: 0, updated: 0, failed: 0, skipped: 0 };
  for (const customer of customers) counts[customer.result] += 1;
  return counts;
}

import * as z from 'zod';
import { APP_VERSIONS, APP_VERSION_PATTERN, findAppVersion } from '../core/app-versions';
import { MAX_FLEET_CONCURRENCY, MAX_LISTED_CUSTOMERS } from '../core/fleet-limits';
import { PLAN_NAMES } from '../core/plans';

const knownVersions = APP_VERSIONS.map((entry) => entry.version).join(', ');

/** `POST /admin/fleet-updates`: exactly one target form; every bound explicit, so a typo cannot mean "everyone at once". */
export const StartFleetUpdateBody = z.strictObject({
  version: z
    .string({ error: 'version is required.' })
    .regex(APP_VERSION_PATTERN, 'version must look like 2026.12.0.')
    .refine((version) => findAppVersion(version) !== undefined, { error: `version must be one of ${knownVersions} (lambdas/core/app-versions.json).` })
    .describe('The app version to roll (lambdas/core/app-versions.json).'),
  target: z
    .union(
      [
        z.strictObject({ all: z.literal(true, { error: 'all must be true.' }) }),
        z.strictObject({ plan: z.enum(PLAN_NAMES, { error: 'plan must be starter, business or enterprise.' }) }),
        z.strictObject({
          customerIds: z
            .array(z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'each customer id must be an id we issued.'))
            .min(1, 'customerIds must name at least one customer.')
            .max(MAX_LISTED_CUSTOMERS, `customerIds may name at most ${MAX_LISTED_CUSTOMERS} customers.`),
        }),
      ],
      { error: 'target must be {all: true}, {plan} or {customerIds}.' },
    )
    .describe('Every active customer, one plan\'s active customers, or a list (only the active ones are touched).'),
  maxConcurrent: z
    .number({ error: 'maxConcurrent must be a number.' })
    .int('maxConcurrent must be a whole number.')
    .min(1, 'maxConcurrent must be at least 1.')
    .max(MAX_FLEET_CONCURRENCY, `maxConcurrent must be at most ${MAX_FLEET_CONCURRENCY}.`)
    .describe('How many customers are updated concurrently: the Map\'s MaxConcurrency.'),
  maxFailures: z
    .number({ error: 'maxFailures must be a number.' })
    .int('maxFailures must be a whole number.')
    .min(0, 'maxFailures must be at least 0.')
    .max(1000, 'maxFailures must be at most 1000.')
    .describe('Failures tolerated: once more have failed, every customer not started yet is skipped.'),
  attempt: z
    .number({ error: 'attempt must be a number.' })
    .int('attempt must be a whole number.')
    .min(1, 'attempt must be at least 1.')
    .max(1000, 'attempt must be at most 1000.')
    .optional()
    .describe('The same request is the same update (idempotent); to run it again (retry the failed), send the next attempt.'),
});

const customerLine = z.strictObject({
  customerId: z.string(),
  fromVersion: z.string().optional().describe('The version it ran before (absent while pending).'),
  toVersion: z.string(),
  result: z.enum(['pending', 'updating', 'rolling_back', 'updated', 'failed', 'skipped']),
  reason: z.string().optional().describe('Why it failed or was skipped.'),
  rolledBack: z.boolean().optional().describe('A failed customer put back on its previous version.'),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  durationSeconds: z.number().optional(),
});

/** One fleet update: its request, progress and per-customer report. */
export const FleetUpdateResponse = z.strictObject({
  updateId: z.string(),
  version: z.string(),
  target: z.union([z.strictObject({ all: z.literal(true) }), z.strictObject({ plan: z.enum(PLAN_NAMES) }), z.strictObject({ customerIds: z.array(z.string()) })]),
  maxConcurrent: z.number().int(),
  maxFailures: z.number().int(),
  attempt: z.number().int(),
  status: z.enum(['running', 'completed', 'stopped', 'failed']),
  executionName: z.string(),
  requestedAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  failureReason: z.string().optional(),
  progress: z
    .strictObject({
      total: z.number().int().optional().describe('Customers selected (absent until the selection ran).'),
      pending: z.number().int(),
      updating: z.number().int(),
      rolling_back: z.number().int(),
      updated: z.number().int(),
      failed: z.number().int(),
      skipped: z.number().int(),
    })
    .describe('Counts by result.'),
  customers: z.array(customerLine).describe('The per-customer report, by customer id.'),
  created: z.boolean().optional().describe('POST only: false when this request was already received (nothing new started).'),
});

import * as z from 'zod';
import { PLAN_NAMES } from '../../core/plans';

/**
 * The fleet update's response body, for the OpenAPI document only (the request body, which the handler
 * validates, is in ../fleet-schemas.ts, written with zod/mini).
 */

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

import * as z from 'zod';

/**
 * The EventBridge events Step Functions sends when an execution ends badly: the one definition CDK's rule
 * matches (lib/stopped-executions.ts) and the local stack emits (local/events/), so both carry the same
 * shape AWS documents for "Step Functions Execution Status Change". A module without side effects.
 */
export const EXECUTION_EVENT_SOURCE = 'aws.states';
export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';

/** The endings nobody is left to clean up after: the execution's own Catch did not run, or ran and failed. */
export const STOPPED_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type StoppedStatus = (typeof STOPPED_STATUSES)[number];

/** `detail` as AWS sends it: dates are epoch milliseconds, input and output JSON strings (null when absent). */
export const ExecutionStatusChangeDetail = z.object({
  executionArn: z.string().min(1),
  stateMachineArn: z.string().min(1),
  name: z.string().min(1),
  status: z.enum(STOPPED_STATUSES),
  startDate: z.number().int().nonnegative(),
  stopDate: z.number().int().nonnegative().nullish(),
  input: z.string().nullish(),
  output: z.string().nullish(),
  error: z.string().nullish(),
  cause: z.string().nullish(),
});
export type ExecutionStatusChangeDetail = z.infer<typeof ExecutionStatusChangeDetail>;

/** The envelope's fields we read; the rest (id, account, region, resources, ...) is passed through untouched. */
export const ExecutionStatusChangeEvent = z.object({
  source: z.literal(EXECUTION_EVENT_SOURCE),
  'detail-type': z.literal(EXECUTION_STATUS_CHANGE),
  detail: ExecutionStatusChangeDetail,
});
export type ExecutionStatusChangeEvent = z.infer<typeof ExecutionStatusChangeEvent>;

/** Every field AWS puts in the detail, for an emitter (the local stack) that builds one from its own record. */
export interface ExecutionStatusChangeDetailOut {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: StoppedStatus;
  readonly startDate: number;
  readonly stopDate: number | null;
  readonly input: string | null;
  readonly output: string | null;
  readonly inputDetails: { readonly included: boolean };
  readonly outputDetails: { readonly included: boolean } | null;
  readonly error: string | null;
  readonly cause: string | null;
}

/** The rule's target, under `lambdas/` (CDK's function and the local stack's delivery load the same file). */
export const STOPPED_EXECUTION_HANDLER = 'workflows/recover-stopped-execution';

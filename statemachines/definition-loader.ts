import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowDefinition } from './workflows';

/**
 * The one loader of the ASL files, for the CDK stack and the local stack alike. The committed files are
 * plain, valid ASL; what every Lambda Task needs is added here once instead of pasted into each:
 *
 * - `Payload.stepName`: the state's own name, so a step's progress entry is named exactly like the state
 *   support staff read in the console (equivalent to `$$.State.Name`, which the local runner lacks), and
 *   `Payload.workflowId`: the workflow's stable id, so the status route can tell which workflow ran last.
 * - the standard Retry: the steps rethrow every retryable AWS, Stripe or network failure as
 *   `TransientError` (lambdas/core/transient-errors.ts); this policy retries it and Lambda's own
 *   transient failures. A Task's own retriers (InstanceCapacityError, ...) come first and win; a Task
 *   that already retries `States.ALL` (the rollback steps) keeps only its own, as ASL requires States.ALL
 *   to be last.
 */
export const STANDARD_RETRY = {
  ErrorEquals: [
    'TransientError',
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
    'States.Timeout',
  ],
  IntervalSeconds: 2,
  MaxAttempts: 5,
  BackoffRate: 2,
  MaxDelaySeconds: 30,
  JitterStrategy: 'FULL',
} as const;

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const STATEMACHINES_DIR = __dirname;

type Retrier = { ErrorEquals: string[] };
export interface AslState {
  Type: string;
  Resource?: string;
  TimeoutSeconds?: number;
  Parameters?: { FunctionName?: unknown; Payload?: unknown; [key: string]: unknown };
  Retry?: Retrier[];
  Branches?: { States: Record<string, AslState> }[];
  ItemProcessor?: { States: Record<string, AslState> };
  Iterator?: { States: Record<string, AslState> };
  [key: string]: unknown;
}
export interface AslDefinition {
  StartAt: string;
  TimeoutSeconds: number;
  States: Record<string, AslState>;
  [key: string]: unknown;
}

/** Calls `visit` for every state, walking into Parallel branches and Map processors. */
export function forEachState(states: Record<string, AslState>, visit: (name: string, state: AslState) => void): void {
  for (const [name, state] of Object.entries(states)) {
    visit(name, state);
    for (const branch of state.Branches ?? []) forEachState(branch.States, visit);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) forEachState(processor.States, visit);
  }
}

/**
 * Reads a workflow's ASL file, checks it (top-level TimeoutSeconds, `${...}` placeholders exactly the
 * workflow's step keys and waits, every Lambda Task with a TimeoutSeconds) and adds the step name and the
 * standard Retry to every Lambda Task. Step placeholders are left for the caller to substitute; each wait
 * placeholder (`workflow.waits`) gets its value in `waits` (seconds, default its `defaultSeconds`), which
 * is added to the execution's TimeoutSeconds too.
 */
export function loadDefinition(workflow: WorkflowDefinition, dir: string = STATEMACHINES_DIR, waits: Readonly<Record<string, number>> = {}): AslDefinition {
  const file = path.join(dir, workflow.file);
  const text = readFileSync(file, 'utf8');
  // A syntax error names the file here rather than deep inside CloudFormation.
  const definition = JSON.parse(text) as AslDefinition;
  if (typeof definition.TimeoutSeconds !== 'number') {
    // A Standard execution may otherwise run for a year, holding a customer in "provisioning".
    throw new Error(`${file} must set a top-level TimeoutSeconds`);
  }
  const placeholders = new Set([...text.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1]));
  const keys = new Set([...Object.keys(workflow.steps), ...Object.keys(workflow.waits ?? {})]);
  const unknown = [...placeholders].filter((name) => !keys.has(name));
  const unused = [...keys].filter((key) => !placeholders.has(key));
  if (unknown.length > 0 || unused.length > 0) {
    throw new Error(
      `${file} and workflow ${workflow.id} disagree: placeholders without a step [${unknown.join(', ')}], ` +
        `steps without a placeholder [${unused.join(', ')}]`,
    );
  }
  for (const [key, wait] of Object.entries(workflow.waits ?? {})) {
    const seconds = waits[key] ?? wait.defaultSeconds;
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > wait.maxSeconds) throw new Error(`${key} must be a whole number of seconds from 0 to ${wait.maxSeconds}, got ${seconds}`);
    replaceStrings(definition.States, `\${${key}}`, String(seconds));
    definition.TimeoutSeconds += seconds;
  }
  forEachState(definition.States, (name, state) => {
    if (state.Type !== 'Task' || state.Resource !== LAMBDA_INVOKE) return;
    if (typeof state.TimeoutSeconds !== 'number') throw new Error(`${file}: Task "${name}" must set TimeoutSeconds`);
    const payload = state.Parameters?.Payload;
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new Error(`${file}: Task "${name}" must pass a Payload object`);
    for (const key of ['stepName', 'workflowId']) {
      if (key in payload || `${key}.$` in payload) throw new Error(`${file}: Task "${name}" sets ${key}; the loader does`);
    }
    Object.assign(payload, { stepName: name, workflowId: workflow.id });
    const own = state.Retry ?? [];
    if (own.some((retrier) => retrier.ErrorEquals.includes('TransientError'))) {
      throw new Error(`${file}: Task "${name}" retries TransientError itself; the loader adds the standard policy`);
    }
    const catchesAll = own.some((retrier) => retrier.ErrorEquals.includes('States.ALL'));
    state.Retry = catchesAll ? own : [...own, structuredClone(STANDARD_RETRY) as unknown as Retrier];
  });
  return definition;
}

/** Replaces `placeholder` in every string value under `value`, in place. */
function replaceStrings(value: unknown, placeholder: string, replacement: string): void {
  if (!value || typeof value !== 'object') return;
  const entries: [string | number, unknown][] = Array.isArray(value) ? [...value.entries()] : Object.entries(value);
  for (const [key, inner] of entries) {
    if (typeof inner === 'string') (value as Record<string | number, unknown>)[key] = inner.split(placeholder).join(replacement);
    else replaceStrings(inner, placeholder, replacement);
  }
}

import { type AslState, forEachState, loadDefinition } from '../statemachines/definition-loader';
import type { WorkflowDefinition } from '../statemachines/workflows';

/**
 * The definition CDK deploys: the ASL file as statemachines/definition-loader.ts loads it (checked, with
 * the step names and the standard Retry added, its waits set), as text with its step placeholders for substitution.
 */
export function readDefinition(workflow: WorkflowDefinition, waits: Readonly<Record<string, number>> = {}): string {
  return JSON.stringify(loadDefinition(workflow, undefined, waits), null, 2);
}

/** The execution timeout (top-level `TimeoutSeconds`) of a workflow's ASL, checked by the loader. */
export function executionTimeoutSeconds(workflow: WorkflowDefinition): number {
  return loadDefinition(workflow).TimeoutSeconds;
}

/**
 * Each step's Task `TimeoutSeconds`, keyed by substitution key, from the ASL (Parallel branches and Map
 * processors included). A Lambda must give up before its Task does, or a retry overlaps a running attempt.
 */
export function taskTimeouts(workflow: WorkflowDefinition): Map<string, number> {
  const timeouts = new Map<string, number>();
  forEachState(loadDefinition(workflow).States, (_name, state: AslState) => {
    const functionName = state.Parameters?.FunctionName;
    const key = typeof functionName === 'string' ? /^\$\{([^}]+)\}$/.exec(functionName)?.[1] : undefined;
    if (state.Type === 'Task' && key && typeof state.TimeoutSeconds === 'number') {
      timeouts.set(key, Math.min(state.TimeoutSeconds, timeouts.get(key) ?? Infinity));
    }
  });
  return timeouts;
}

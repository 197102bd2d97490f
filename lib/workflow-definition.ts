import { readFileSync } from 'node:fs';
import type { WorkflowDefinition } from '../statemachines/workflows';
import { stateMachineFile } from './paths';

/**
 * The ASL file's text, after checking that its `${...}` placeholders are exactly the workflow's step keys,
 * so a renamed placeholder fails the synth instead of the first execution.
 */
export function readDefinition(workflow: WorkflowDefinition): string {
  const file = stateMachineFile(workflow.file);
  const text = readFileSync(file, 'utf8');
  // A syntax error names the file here rather than deep inside CloudFormation.
  const definition = JSON.parse(text) as { TimeoutSeconds?: unknown };
  if (typeof definition.TimeoutSeconds !== 'number') {
    // A Standard execution may otherwise run for a year, holding a customer in "provisioning".
    throw new Error(`${file} must set a top-level TimeoutSeconds`);
  }
  const placeholders = new Set([...text.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1]));
  const keys = new Set(Object.keys(workflow.steps));
  const unknown = [...placeholders].filter((name) => !keys.has(name));
  const unused = [...keys].filter((key) => !placeholders.has(key));
  if (unknown.length > 0 || unused.length > 0) {
    throw new Error(
      `${file} and workflow ${workflow.id} disagree: placeholders without a step [${unknown.join(', ')}], ` +
        `steps without a placeholder [${unused.join(', ')}]`,
    );
  }
  return text;
}

/** The execution timeout (top-level `TimeoutSeconds`) of a workflow's ASL, checked by readDefinition. */
export function executionTimeoutSeconds(workflow: WorkflowDefinition): number {
  return (JSON.parse(readDefinition(workflow)) as { TimeoutSeconds: number }).TimeoutSeconds;
}

type AslState = {
  Type?: string;
  TimeoutSeconds?: unknown;
  Parameters?: { FunctionName?: unknown };
  Branches?: { States?: Record<string, AslState> }[];
  ItemProcessor?: { States?: Record<string, AslState> };
  Iterator?: { States?: Record<string, AslState> };
};

/**
 * Each step's Task `TimeoutSeconds`, keyed by substitution key, from the ASL (Parallel branches and Map
 * processors included). A Lambda must give up before its Task does, or a retry overlaps a running attempt.
 */
export function taskTimeouts(workflow: WorkflowDefinition): Map<string, number> {
  const definition = JSON.parse(readDefinition(workflow)) as { States: Record<string, AslState> };
  const timeouts = new Map<string, number>();
  const visit = (states: Record<string, AslState> | undefined): void => {
    for (const [name, state] of Object.entries(states ?? {})) {
      const key = typeof state.Parameters?.FunctionName === 'string' ? /^\$\{([^}]+)\}$/.exec(state.Parameters.FunctionName)?.[1] : undefined;
      if (state.Type === 'Task' && key) {
        if (typeof state.TimeoutSeconds !== 'number') throw new Error(`${workflow.file}: Task "${name}" must set TimeoutSeconds`);
        timeouts.set(key, Math.min(state.TimeoutSeconds, timeouts.get(key) ?? Infinity));
      }
      for (const branch of state.Branches ?? []) visit(branch.States);
      visit(state.ItemProcessor?.States);
      visit(state.Iterator?.States);
    }
  };
  visit(definition.States);
  return timeouts;
}

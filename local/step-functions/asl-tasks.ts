/**
 * Pure helpers over an ASL definition: fill in the `${...}` substitutions CDK would fill, and find every
 * Task state (including those inside Parallel branches and Map item processors) so each can be emulated.
 */
export type AslValue = null | boolean | number | string | AslValue[] | { [key: string]: AslValue };

export interface AslTaskState {
  readonly Type: 'Task';
  readonly Resource: string;
  readonly TimeoutSeconds?: number;
  readonly [other: string]: unknown;
}

interface AslStates {
  readonly States: Readonly<Record<string, { readonly Type: string }>>;
}

export interface FoundTask {
  readonly name: string;
  readonly state: AslTaskState;
}

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/**
 * Replaces every `${Key}` in string values. An unknown key fails here, at startup, rather than reaching
 * a Task as a literal `${Key}` that no handler matches.
 */
export function substitute<T extends AslValue>(definition: T, values: Readonly<Record<string, string>>): T {
  const unknown = new Set<string>();
  const walk = (value: AslValue): AslValue => {
    if (typeof value === 'string') {
      return value.replace(PLACEHOLDER, (match, key: string) => {
        if (Object.hasOwn(values, key)) return values[key];
        unknown.add(key);
        return match;
      });
    }
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, walk(inner)]));
    }
    return value;
  };
  const result = walk(definition) as T;
  if (unknown.size > 0) {
    throw new Error(`ASL substitutions with no value: ${[...unknown].map((key) => `\${${key}}`).join(', ')}`);
  }
  return result;
}

/** Every Task state by name, walking into Parallel branches and Map processors (old `Iterator` too). */
export function findTaskStates(definition: AslStates): FoundTask[] {
  const found: FoundTask[] = [];
  const visit = (machine: AslStates) => {
    for (const [name, state] of Object.entries(machine.States)) {
      const nested = state as { Branches?: AslStates[]; ItemProcessor?: AslStates; Iterator?: AslStates };
      if (state.Type === 'Task') found.push({ name, state: state as AslTaskState });
      if (state.Type === 'Parallel') nested.Branches?.forEach(visit);
      const processor = nested.ItemProcessor ?? nested.Iterator;
      if (state.Type === 'Map' && processor) visit(processor);
    }
  };
  visit(definition);
  const names = found.map((task) => task.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  // Local overrides are keyed by state name, and AWS requires unique names across the whole machine anyway.
  if (duplicate) throw new Error(`Task state name "${duplicate}" is used more than once`);
  return found;
}

export type TaskIntegration =
  | { readonly kind: 'lambda-invoke' }
  | { readonly kind: 'lambda-function'; readonly functionName: string }
  | { readonly kind: 'unsupported' };

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

/** How a Task's Resource calls Lambda: the optimised integration, a bare function ARN, or neither. */
export function taskIntegration(resource: string): TaskIntegration {
  if (resource === LAMBDA_INVOKE) return { kind: 'lambda-invoke' };
  if (resource.startsWith('arn:aws:lambda:')) return { kind: 'lambda-function', functionName: functionNameOf(resource) };
  return { kind: 'unsupported' };
}

/**
 * The function name from what Lambda's FunctionName accepts: a name, `name:qualifier`, a partial ARN
 * (`123456789012:function:name`) or a full ARN, with or without a version or alias.
 */
export function functionNameOf(functionName: string): string {
  const parts = functionName.split(':');
  const index = parts.indexOf('function');
  return index >= 0 ? parts[index + 1] : parts[0];
}

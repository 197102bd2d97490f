import { taskIntegration } from './asl-tasks';

/** A Parallel branch or a Map item processor that a state sits in. */
export interface Container {
  readonly kind: 'Parallel' | 'Map';
  /** The Parallel or Map state's name. */
  readonly name: string;
  /** Which branch (Parallel only). */
  readonly branch?: number;
}

/** How a Task calls Lambda, as its history events name it. */
export interface TaskShape {
  /** `lambda:invoke` (TaskScheduled...) or a bare function ARN (LambdaFunctionScheduled...). */
  readonly kind: 'lambda-invoke' | 'lambda-function';
  readonly resource: string;
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
}

export interface StateShape {
  readonly type: string;
  /** Outermost first; empty at the top level. */
  readonly containers: readonly Container[];
  readonly task?: TaskShape;
  /** Map only: its ItemsPath, to report MapStateStarted's length. */
  readonly itemsPath?: string;
}

interface AslMachine {
  readonly States: Readonly<Record<string, Record<string, unknown>>>;
}

/**
 * Where every state of a definition sits (which Parallel branch or Map processor), read once per state
 * machine. The engine's events name a state but not its branch; state names are unique across a whole
 * state machine (AWS requires it), so the name tells the branch, and history can link events per branch.
 */
export class HistoryLayout {
  private readonly states = new Map<string, StateShape>();

  constructor(definition: AslMachine) {
    this.visit(definition, []);
  }

  state(name: string): StateShape | undefined {
    return this.states.get(name);
  }

  private visit(machine: AslMachine, containers: readonly Container[]): void {
    for (const [name, state] of Object.entries(machine.States)) {
      const type = String(state.Type);
      const shape: StateShape = { type, containers, task: type === 'Task' ? taskShape(state) : undefined };
      if (type === 'Map' && typeof state.ItemsPath === 'string') Object.assign(shape, { itemsPath: state.ItemsPath });
      this.states.set(name, shape);
      if (type === 'Parallel') {
        const branches = (state.Branches ?? []) as AslMachine[];
        branches.forEach((branch, index) => this.visit(branch, [...containers, { kind: 'Parallel', name, branch: index }]));
      }
      const processor = (state.ItemProcessor ?? state.Iterator) as AslMachine | undefined;
      if (type === 'Map' && processor) this.visit(processor, [...containers, { kind: 'Map', name }]);
    }
  }
}

function taskShape(state: Record<string, unknown>): TaskShape | undefined {
  const resource = String(state.Resource ?? '');
  const integration = taskIntegration(resource);
  if (integration.kind === 'unsupported') return undefined;
  const seconds = (value: unknown) => (typeof value === 'number' ? value : undefined);
  return {
    kind: integration.kind,
    resource: integration.kind === 'lambda-invoke' ? 'invoke' : resource,
    timeoutSeconds: seconds(state.TimeoutSeconds),
    heartbeatSeconds: seconds(state.HeartbeatSeconds),
  };
}

/** The items a Map state iterates, when its ItemsPath is a plain path (`$`, `$.a.b`); else undefined. */
export function mapItemCount(input: unknown, itemsPath = '$'): number | undefined {
  if (!/^\$(\.[A-Za-z0-9_]+)*$/.test(itemsPath)) return undefined;
  let value: unknown = input;
  for (const key of itemsPath.split('.').slice(1)) {
    value = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
  }
  return Array.isArray(value) ? value.length : undefined;
}

import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import type { HandlerLoader, LambdaHandler } from '../handler-loader';
import { deserializeError, type InvocationContext, type InvokeMessage, type WorkerMessage } from './messages';

export interface LambdaWorkerPoolOptions {
  /** Most workers one function spreads its concurrent invocations over. @default 2 to 4, by CPU count */
  readonly maxWorkersPerFunction?: number;
  /** A function's extra workers stop after this long without work; its first one stays. @default 30_000 */
  readonly idleMs?: number;
  /** The environment each worker gets, copied when it starts. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** Which functions run in worker threads, and how many workers each spreads its invocations over. */
export interface LambdaWorkerMode {
  /** `none`: all in the stack's thread; `cpu-bound`: CPU_BOUND_HANDLERS only (cpu-bound.ts); `all`: every function. */
  readonly functions: 'none' | 'cpu-bound' | 'all';
  readonly perFunction: number;
}

/**
 * STACKPRO_LAMBDA_WORKERS: unset or `0` (the default) runs every function in the stack's own thread;
 * `cpu-bound` runs the functions that hash passwords in worker threads, one per core (2 to 4), and the rest
 * in the stack's thread; `N` (1 to 64) runs every function in up to N workers of its own. Worker modes stay
 * opt-in: at 8 concurrent signups `cpu-bound` halves the latency, but a burst of 1,000 concurrent signups
 * on a loaded 2-core machine got 504s and passed 1 GB (README "Local stack").
 */
export function lambdaWorkersFromEnv(env: NodeJS.ProcessEnv): LambdaWorkerMode {
  const raw = env.STACKPRO_LAMBDA_WORKERS;
  if (raw === 'cpu-bound') return { functions: 'cpu-bound', perFunction: defaultWorkersPerFunction() };
  if (raw === undefined || raw === '') return { functions: 'none', perFunction: 0 };
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 0 || count > 64) {
    throw new Error(`STACKPRO_LAMBDA_WORKERS must be "cpu-bound" or an integer from 0 to 64, got "${raw}"`);
  }
  return count === 0 ? { functions: 'none', perFunction: 0 } : { functions: 'all', perFunction: count };
}

function defaultWorkersPerFunction(): number {
  return Math.min(4, Math.max(2, os.availableParallelism()));
}

const WORKER_MAIN = path.join(__dirname, 'worker-main.ts');
/**
 * Workers start as plain Node (no inherited tsx flags) and register tsx's CommonJS hook themselves, so
 * the handler modules load as TypeScript the way `tsx bin/local.ts` loads them in the main thread.
 */
const BOOTSTRAP = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(WORKER_MAIN)});`;

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** One execution environment: a worker holding one handler module. */
class FunctionWorker {
  readonly ready: Promise<void>;
  readonly pending = new Map<number, Pending>();
  /** Invocations given to this worker and not yet answered, counted from the moment it was chosen. */
  inflight = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private nextId = 0;
  private readonly worker: Worker;
  private exited = false;

  constructor(
    readonly handlerPath: string,
    env: NodeJS.ProcessEnv,
    private readonly onGone: (worker: FunctionWorker) => void,
  ) {
    this.worker = new Worker(BOOTSTRAP, { eval: true, workerData: { handlerPath }, env, execArgv: [], name: `lambda ${handlerPath}` });
    // Servers keep the stack alive; a worker alone must not (Ctrl-C exits even mid-invocation).
    this.worker.unref();
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'load-failed') reject(deserializeError(message.error));
        else this.settle(message);
      });
      this.worker.on('error', (error) => {
        reject(error);
        this.fail(error);
      });
      this.worker.on('exit', (code) => {
        const error = new Error(`The worker for lambdas/${handlerPath}.ts exited (code ${code})`);
        error.name = 'Runtime.ExitError';
        reject(error);
        this.fail(error);
      });
    });
    // A load failure is reported through `ready`; this keeps it from also being an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  invoke(event: unknown, context: InvocationContext): Promise<unknown> {
    if (this.exited) return Promise.reject(new Error(`The worker for lambdas/${this.handlerPath}.ts has stopped`));
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const message: InvokeMessage = { type: 'invoke', id, event, context };
      try {
        this.worker.postMessage(message);
      } catch (error) {
        // An event that cannot be cloned: Lambda would refuse a payload it cannot serialize too.
        this.pending.delete(id);
        reject(error as Error);
      }
    });
  }

  /** Stops this worker once it has had nothing to do for `idleMs`. */
  stopWhenIdle(idleMs: number): void {
    clearTimeout(this.idleTimer);
    if (this.inflight > 0 || this.exited) return;
    this.idleTimer = setTimeout(() => {
      if (this.inflight === 0) void this.stop();
    }, idleMs);
    this.idleTimer.unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.idleTimer);
    if (this.exited) return;
    await this.worker.terminate();
  }

  private settle(message: Extract<WorkerMessage, { id: number }>): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.type === 'result') pending.resolve(message.result);
    else pending.reject(deserializeError(message.error));
  }

  private fail(error: Error): void {
    if (this.exited) return;
    this.exited = true;
    clearTimeout(this.idleTimer);
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    this.onGone(this);
  }
}

/**
 * Runs Lambda handlers the way Lambda does, each function in environments of its own: worker threads
 * that each load one handler module, so module-scope state (the logger's lambda context, SDK clients,
 * caches) never leaks between functions, and a burst of one function spreads over a few threads instead
 * of saturating the stack's own. Workers start on a function's first invocation; its first worker stays
 * (the warm environment), the extra ones stop when idle.
 */
export class LambdaWorkerPool {
  private readonly functions = new Map<string, FunctionWorker[]>();
  private readonly maxWorkers: number;
  private readonly idleMs: number;
  private readonly env: NodeJS.ProcessEnv;
  private closed = false;

  constructor(options: LambdaWorkerPoolOptions = {}) {
    this.maxWorkers = options.maxWorkersPerFunction ?? defaultWorkersPerFunction();
    if (!Number.isInteger(this.maxWorkers) || this.maxWorkers < 1) throw new Error('maxWorkersPerFunction must be a positive integer');
    this.idleMs = options.idleMs ?? 30_000;
    this.env = options.env ?? process.env;
  }

  /**
   * A HandlerLoader whose handlers invoke through the pool: it resolves once the module loaded in its
   * first worker, and rejects with the load error like `require` would.
   */
  readonly loadHandler: HandlerLoader = async (handlerPath) => {
    const workers = this.workersOf(handlerPath);
    await (workers[0] ?? this.spawn(handlerPath, workers)).ready;
    const handler: LambdaHandler = (event, context) => this.invoke(handlerPath, event, context as Context);
    return handler;
  };

  /** Invokes the handler in the least busy of the function's workers, starting another while under the cap. */
  async invoke(handlerPath: string, event: unknown, context: Pick<Context, 'functionName' | 'awsRequestId' | 'getRemainingTimeInMillis'>): Promise<unknown> {
    const workers = this.workersOf(handlerPath);
    const idlest = workers.reduce<FunctionWorker | undefined>((best, worker) => (!best || worker.inflight < best.inflight ? worker : best), undefined);
    const worker = idlest && (idlest.inflight === 0 || workers.length >= this.maxWorkers) ? idlest : this.spawn(handlerPath, workers);
    worker.inflight += 1;
    try {
      await worker.ready;
      return await worker.invoke(event, {
        functionName: context.functionName,
        awsRequestId: context.awsRequestId,
        remainingMs: context.getRemainingTimeInMillis(),
      });
    } finally {
      worker.inflight -= 1;
      if (workers.indexOf(worker) > 0) worker.stopWhenIdle(this.idleMs);
    }
  }

  /** How many workers run now, per handler module (for tests and the bench). */
  stats(): Record<string, number> {
    return Object.fromEntries([...this.functions.entries()].map(([handlerPath, workers]) => [handlerPath, workers.length]));
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.functions.values()].flat();
    this.functions.clear();
    await Promise.all(all.map((worker) => worker.stop()));
  }

  private workersOf(handlerPath: string): FunctionWorker[] {
    if (this.closed) throw new Error('The Lambda worker pool is closed');
    let workers = this.functions.get(handlerPath);
    if (!workers) {
      workers = [];
      this.functions.set(handlerPath, workers);
    }
    return workers;
  }

  private spawn(handlerPath: string, workers: FunctionWorker[]): FunctionWorker {
    const worker = new FunctionWorker(handlerPath, this.env, (gone) => {
      const index = workers.indexOf(gone);
      if (index !== -1) workers.splice(index, 1);
    });
    workers.push(worker);
    // A module that cannot load takes its worker down: the next call tries again, as `require` would.
    worker.ready.catch(() => void worker.stop());
    return worker;
  }
}

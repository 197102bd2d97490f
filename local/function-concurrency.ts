import type { HandlerLoader, LambdaHandler } from './handler-loader';

/** Concurrent invocations per function when STACKPRO_LAMBDA_CONCURRENCY is unset. */
export const DEFAULT_LAMBDA_CONCURRENCY = 8;

/**
 * STACKPRO_LAMBDA_CONCURRENCY: how many invocations of one function run at once in the local stack; the
 * rest wait their turn. Lambda gives each concurrent invocation an environment of its own (its own memory,
 * its own CPU share); here they share the stack's process, so without a bound a burst of 1,000 signups
 * starts 1,000 argon2id hashes of 19 MiB each at once.
 */
export function lambdaConcurrencyFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.STACKPRO_LAMBDA_CONCURRENCY;
  if (raw === undefined || raw === '') return DEFAULT_LAMBDA_CONCURRENCY;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Error(`STACKPRO_LAMBDA_CONCURRENCY must be an integer from 1 to 1000, got "${raw}"`);
  return limit;
}

interface Lane {
  running: number;
  readonly waiting: (() => void)[];
}

/**
 * At most `limit` invocations of each function at once, the rest queued in arrival order: the local
 * stand-in for the environments Lambda would start in parallel. Queue, never refuse: in AWS the same burst
 * runs (up to the account's concurrency), so a 429 or 503 here would be the emulator's fault, not the
 * code's. Each function has its own lane, so a burst of one function never holds up another (a function
 * waiting on another's result cannot deadlock).
 */
export class FunctionConcurrency {
  private readonly lanes = new Map<string, Lane>();

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error('The concurrency limit must be a positive integer');
  }

  /**
   * Runs `invoke` once one of the function's slots is free and holds the slot until it settles. Time spent
   * queued is not the function's: callers start their timeouts inside `invoke`.
   */
  async run<T>(functionKey: string, invoke: () => T | Promise<T>): Promise<T> {
    const lane = this.laneOf(functionKey);
    if (lane.running >= this.limit) await new Promise<void>((admit) => lane.waiting.push(admit));
    else lane.running += 1;
    try {
      return await invoke();
    } finally {
      // The slot passes straight to the next in line (running stays the same), or frees up.
      const next = lane.waiting.shift();
      if (next) next();
      else lane.running -= 1;
    }
  }

  /** A loader whose handlers run through this limit, keyed by handler path (one function per module). */
  wrap(loader: HandlerLoader): HandlerLoader {
    return async (handlerPath) => {
      const handler = await loader(handlerPath);
      const limited: LambdaHandler = (event, context) => this.run(handlerPath, () => handler(event, context));
      return limited;
    };
  }

  /** Invocations running and waiting, per function with any (for tests and the bench). */
  stats(): Record<string, { running: number; waiting: number }> {
    const busy = [...this.lanes].filter(([, lane]) => lane.running > 0 || lane.waiting.length > 0);
    return Object.fromEntries(busy.map(([key, lane]) => [key, { running: lane.running, waiting: lane.waiting.length }]));
  }

  private laneOf(functionKey: string): Lane {
    let lane = this.lanes.get(functionKey);
    if (!lane) {
      lane = { running: 0, waiting: [] };
      this.lanes.set(functionKey, lane);
    }
    return lane;
  }
}

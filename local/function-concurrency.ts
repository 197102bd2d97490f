import type { HandlerLoader, LambdaHandler } from './handler-loader';

/** Concurrent invocations per function when STACKPRO_LAMBDA_CONCURRENCY is unset. */
export const DEFAULT_LAMBDA_CONCURRENCY = 8;
/** Concurrent invocations of all functions together when STACKPRO_LAMBDA_ACCOUNT_CONCURRENCY is unset. */
export const DEFAULT_ACCOUNT_CONCURRENCY = 16;

export interface ConcurrencyLimits {
  /** Invocations of one function at once. */
  readonly perFunction: number;
  /** Invocations of all functions at once (Lambda's account concurrency). */
  readonly account: number;
}

/**
 * STACKPRO_LAMBDA_CONCURRENCY (per function) and STACKPRO_LAMBDA_ACCOUNT_CONCURRENCY (all functions): how
 * many invocations run at once in the local stack; the rest wait their turn. Lambda gives each concurrent
 * invocation an environment of its own (its own memory, its own CPU); here they share the stack's thread,
 * so without a bound a burst of 1,000 signups starts 1,000 argon2id hashes of 19 MiB each at once, and every
 * invocation's awaits wait behind everyone else's work until API Gateway's 29 s run out.
 */
export function concurrencyLimitsFromEnv(env: NodeJS.ProcessEnv): ConcurrencyLimits {
  const read = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const limit = Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Error(`${name} must be an integer from 1 to 1000, got "${raw}"`);
    return limit;
  };
  return {
    perFunction: read('STACKPRO_LAMBDA_CONCURRENCY', DEFAULT_LAMBDA_CONCURRENCY),
    account: read('STACKPRO_LAMBDA_ACCOUNT_CONCURRENCY', DEFAULT_ACCOUNT_CONCURRENCY),
  };
}

/** Up to `size` holders at once; the others wait in arrival order. */
class Slots {
  running = 0;
  readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async acquire(): Promise<void> {
    if (this.running < this.size) {
      this.running += 1;
      return;
    }
    await new Promise<void>((admit) => this.waiting.push(admit));
  }

  release(): void {
    // The slot passes straight to the next in line (running stays the same), or frees up.
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}

/**
 * Invocations queued, never refused, the local stand-in for the environments Lambda would start in
 * parallel: at most `perFunction` of one function and `account` of all functions run at once, the rest
 * in arrival order. In AWS the same burst runs, so a 429 or 503 here would be the emulator's fault, not the
 * code's. Each function queues in its own lane first, so a burst of one function takes at most
 * `perFunction` of the account's slots and never holds up another function for long. No invocation waits
 * for another one to finish (Stripe webhooks and secret rotations run after their trigger answered), so a
 * held slot always frees up.
 */
export class FunctionConcurrency {
  private readonly lanes = new Map<string, Slots>();
  private readonly account: Slots;

  constructor(readonly limits: ConcurrencyLimits) {
    for (const limit of [limits.perFunction, limits.account]) {
      if (!Number.isInteger(limit) || limit < 1) throw new Error('Concurrency limits must be positive integers');
    }
    this.account = new Slots(limits.account);
  }

  /** No limits: every invocation runs at once. */
  static unlimited(): FunctionConcurrency {
    return new FunctionConcurrency({ perFunction: Number.MAX_SAFE_INTEGER, account: Number.MAX_SAFE_INTEGER });
  }

  /**
   * Runs `invoke` once the function and the account have a slot free, holding both until it settles.
   * Time spent queued is not the function's: callers start their timeouts inside `invoke`.
   */
  async run<T>(functionKey: string, invoke: () => T | Promise<T>): Promise<T> {
    const lane = this.laneOf(functionKey);
    await lane.acquire();
    try {
      await this.account.acquire();
      try {
        return await invoke();
      } finally {
        this.account.release();
      }
    } finally {
      lane.release();
    }
  }

  /** A loader whose handlers run through these limits, keyed by handler path (one function per module). */
  wrap(loader: HandlerLoader): HandlerLoader {
    return async (handlerPath) => {
      const handler = await loader(handlerPath);
      const limited: LambdaHandler = (event, context) => this.run(handlerPath, () => handler(event, context));
      return limited;
    };
  }

  /** Invocations running and waiting per function with any, and for the account (for tests and the bench). */
  stats(): { account: { running: number; waiting: number }; functions: Record<string, { running: number; waiting: number }> } {
    const busy = [...this.lanes].filter(([, lane]) => lane.running > 0);
    return {
      account: { running: this.account.running, waiting: this.account.waiting.length },
      functions: Object.fromEntries(busy.map(([key, lane]) => [key, { running: lane.running, waiting: lane.waiting.length }])),
    };
  }

  private laneOf(functionKey: string): Slots {
    let lane = this.lanes.get(functionKey);
    if (!lane) {
      lane = new Slots(this.limits.perFunction);
      this.lanes.set(functionKey, lane);
    }
    return lane;
  }
}

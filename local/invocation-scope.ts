import { AsyncLocalStorage } from 'node:async_hooks';
import { InvokeStoreBase } from '@aws/lambda-invoke-store';

/**
 * The local stack runs many functions, and many invocations of each, in one Node thread (or several per
 * worker). That is how Lambda's multi-concurrency runtime (Lambda Managed Instances) runs a function too,
 * and Powertools handles it: with AWS_LAMBDA_MAX_CONCURRENCY set, the Logger keeps its Lambda context (and
 * keys and level) per invocation, in the runtime's InvokeStore, instead of on the module-scope instance.
 * So the local invokers do what that runtime does, and handler code stays the same as in AWS: without it,
 * a step's warning carried the `function_name` of whichever API handler set its context last.
 */
export const LOCAL_LAMBDA_MAX_CONCURRENCY = '64';

/** The runtime's store for many invocations at once: one AsyncLocalStorage scope per invocation. */
class ConcurrentInvokeStore extends InvokeStoreBase {
  private readonly scopes = new AsyncLocalStorage<InvokeContext>();
  getContext(): InvokeContext | undefined {
    return this.scopes.getStore();
  }
  hasContext(): boolean {
    return this.scopes.getStore() !== undefined;
  }
  get<T = unknown>(key: string | symbol): T | undefined {
    return this.scopes.getStore()?.[key] as T | undefined;
  }
  set<T = unknown>(key: string | symbol, value: T): void {
    if (this.isProtectedKey(key)) throw new Error(`Cannot modify protected Lambda context field: ${String(key)}`);
    const scope = this.scopes.getStore();
    if (!scope) throw new Error('No invocation context');
    scope[key] = value;
  }
  run<T>(context: InvokeContext, fn: () => T): T {
    return this.scopes.run(context, fn);
  }
}
type InvokeContext = Record<string | symbol, unknown>;

/**
 * The runtime's per-invocation store, put where the Lambda runtime puts it (`globalThis.awslambda`), where
 * Powertools looks for it on every access. It replaces a one-invocation-at-a-time store that an SDK call
 * may have created there first (the SDK keeps its own reference, which it only reads trace ids from).
 */
export function invocationStore(): InvokeStoreBase {
  const runtime = ((globalThis as { awslambda?: { InvokeStore?: InvokeStoreBase } }).awslambda ??= {});
  if (!(runtime.InvokeStore instanceof ConcurrentInvokeStore)) runtime.InvokeStore = new ConcurrentInvokeStore();
  return runtime.InvokeStore;
}

/** Runs one invocation in its own InvokeStore scope, as the Lambda runtime does for each request. */
export async function runInvocation<T>(awsRequestId: string, invoke: () => T): Promise<Awaited<T>> {
  return invocationStore().run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: awsRequestId }, async (): Promise<Awaited<T>> => await invoke());
}

/** What crosses between the pool (main thread) and a function's worker. */

/** The lambda context's data; the worker rebuilds the context object (with its methods) from it. */
export interface InvocationContext {
  readonly functionName: string;
  readonly awsRequestId: string;
  /** What was left of the caller's timeout when it invoked. */
  readonly remainingMs: number;
}

export interface InvokeMessage {
  readonly type: 'invoke';
  readonly id: number;
  readonly event: unknown;
  readonly context: InvocationContext;
}

/** An Error as the worker saw it: Step Functions Retry/Catch match `name`, so it must survive the trip. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'load-failed'; readonly error: SerializedError }
  | { readonly type: 'result'; readonly id: number; readonly result: unknown }
  | { readonly type: 'threw'; readonly id: number; readonly error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name || 'Error', message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

/** The same name, message and stack on this side of the boundary. */
export function deserializeError(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  error.stack = serialized.stack ?? `${serialized.name}: ${serialized.message}`;
  return error;
}

import { type HandlerLoader, loadLambdaHandler } from '../handler-loader';
import { CPU_BOUND_HANDLERS } from './cpu-bound';
import type { LambdaWorkerMode, LambdaWorkerPool } from './pool';

/**
 * The loader the local stack invokes handlers through: each function in worker threads of its own when the
 * mode says so (all functions, or the CPU-bound ones), else in the stack's thread (handler-loader.ts).
 */
export function workerModeLoader(mode: LambdaWorkerMode, pool: LambdaWorkerPool | undefined): HandlerLoader {
  if (!pool || mode.functions === 'none') return loadLambdaHandler;
  if (mode.functions === 'all') return pool.loadHandler;
  return (handlerPath) => (CPU_BOUND_HANDLERS.has(handlerPath) ? pool.loadHandler(handlerPath) : loadLambdaHandler(handlerPath));
}

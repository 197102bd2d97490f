/**
 * One Lambda function's execution environment: a worker thread that loads one handler module, so its
 * module scope (SDK clients, logger context, caches) is its own, as in Lambda. Started by pool.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadLambdaHandler } from '../handler-loader';
import { invocationStore } from '../invocation-scope';
import { createLambdaContext } from '../lambda-context';
import { type InvokeMessage, serializeError, type WorkerMessage } from './messages';

const port = parentPort;
if (!port) throw new Error('worker-main.ts runs as a worker thread of the local stack');
const { handlerPath } = workerData as { handlerPath: string };
const post = (message: WorkerMessage) => port.postMessage(message);

// Before the handler loads: each invocation then runs in its own scope (local/invocation-scope.ts).
invocationStore();
const loading = loadLambdaHandler(handlerPath);
loading.then(
  () => post({ type: 'ready' }),
  (error: unknown) => post({ type: 'load-failed', error: serializeError(error) }),
);

port.on('message', (message: InvokeMessage) => {
  void invoke(message);
});

async function invoke({ id, event, context }: InvokeMessage): Promise<void> {
  try {
    const handler = await loading;
    const lambdaContext = createLambdaContext({ functionName: context.functionName, timeoutMs: context.remainingMs, awsRequestId: context.awsRequestId });
    const result = await handler(event, lambdaContext);
    try {
      post({ type: 'result', id, result });
    } catch (error) {
      // Not structured-cloneable (a function, a class with private state): Lambda would fail to serialize it too.
      post({ type: 'threw', id, error: serializeError(error) });
    }
  } catch (error) {
    post({ type: 'threw', id, error: serializeError(error) });
  }
}

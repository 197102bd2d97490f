import type { WorkflowStep } from '../../statemachines/workflows';
import type { HandlerLoader } from '../handler-loader';
import { createLambdaContext } from '../lambda-context';
import { type FoundTask, functionNameOf, taskIntegration } from './asl-tasks';

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type TaskOverride = (input: JsonValue) => Promise<JsonValue>;

export interface LambdaTaskOptions {
  /** The workflow's steps by function name (the step id), as the fake Lambda ARNs name them. */
  readonly stepsByFunctionName: ReadonlyMap<string, WorkflowStep>;
  readonly loadHandler: HandlerLoader;
}

// Lambda's own default timeout is 3 s, too short for a cold in-process load; a Task rarely sets none.
const DEFAULT_TASK_TIMEOUT_SECONDS = 60;

/**
 * One override per Task state that runs the step's handler in-process where AWS would invoke Lambda.
 * aws-local-stepfunctions uses the override's value as the Task's result, so for the optimised
 * `lambda:invoke` integration we wrap it as Lambda's Invoke response (the ASL reads `$.Payload`).
 */
export function createTaskOverrides(tasks: readonly FoundTask[], options: LambdaTaskOptions): Record<string, TaskOverride> {
  return Object.fromEntries(
    tasks.map(({ name, state }) => {
      const integration = taskIntegration(state.Resource);
      const timeoutMs = (state.TimeoutSeconds ?? DEFAULT_TASK_TIMEOUT_SECONDS) * 1000;
      if (integration.kind === 'unsupported') {
        throw new Error(`Task "${name}" uses ${state.Resource}, which the local stack does not emulate (only Lambda)`);
      }
      const override: TaskOverride =
        integration.kind === 'lambda-invoke'
          ? async (input) => {
              const request = (input ?? {}) as { FunctionName?: unknown; Payload?: JsonValue };
              if (typeof request.FunctionName !== 'string') {
                throw taskError('States.Runtime', `Task "${name}": Parameters must set FunctionName`);
              }
              const payload = await invokeStep(request.FunctionName, request.Payload ?? {}, timeoutMs, options);
              return { StatusCode: 200, ExecutedVersion: '$LATEST', Payload: payload };
            }
          : (input) => invokeStep(integration.functionName, input, timeoutMs, options);
      return [name, override];
    }),
  );
}

async function invokeStep(
  functionName: string,
  payload: JsonValue,
  timeoutMs: number,
  options: LambdaTaskOptions,
): Promise<JsonValue> {
  const name = functionNameOf(functionName);
  const step = options.stepsByFunctionName.get(name);
  if (!step) {
    throw taskError('Lambda.ResourceNotFoundException', `Function not found: ${functionName}`);
  }
  let handler;
  try {
    handler = await options.loadHandler(step.handler);
  } catch (error) {
    console.error(`[sfn] cannot load lambdas/${step.handler}.ts:`, error);
    throw lambdaError('Runtime.ImportModuleError', error instanceof Error ? error.message : String(error));
  }
  try {
    const result = await handler(payload, createLambdaContext({ functionName: step.id, timeoutMs }));
    // What crosses the Lambda boundary is JSON: drop undefined, turn Dates into strings, as AWS would.
    return JSON.parse(JSON.stringify(result ?? null)) as JsonValue;
  } catch (error) {
    const { errorType, errorMessage } = describeError(error);
    throw lambdaError(errorType, errorMessage);
  }
}

function describeError(error: unknown): { errorType: string; errorMessage: string } {
  if (error instanceof Error) return { errorType: error.name || 'Error', errorMessage: error.message };
  return { errorType: 'Error', errorMessage: String(error) };
}

/**
 * A function error as Step Functions reports it: the error name is the Lambda errorType (so Retry and
 * Catch match our typed errors by name), the cause is the JSON body Lambda returns.
 */
export function lambdaError(errorType: string, errorMessage: string): Error {
  return taskError(errorType, JSON.stringify({ errorType, errorMessage }));
}

function taskError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  // No stack: the library reports `message` as the Cause and we keep ours to the Lambda shape.
  error.stack = undefined;
  return error;
}

import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

const ACCOUNT_ID = '000000000000';
const REGION = 'us-east-1';

export interface FakeLambdaContextOptions {
  readonly functionName: string;
  /** The function's timeout; getRemainingTimeInMillis counts down from it like the real runtime. */
  readonly timeoutMs: number;
  readonly awsRequestId?: string;
}

/** A Lambda context good enough for handlers (and Powertools) that run in-process in the local stack. */
export function createLambdaContext(options: FakeLambdaContextOptions): Context {
  const deadline = Date.now() + options.timeoutMs;
  const unsupported = (): never => {
    throw new Error('Callback-style completion (done/fail/succeed) is not supported: return a value instead.');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${options.functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

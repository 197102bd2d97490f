import type { Context } from 'aws-lambda';
import { logger, traceHandler } from '../observability';
import { ExecutionStatusChangeEvent } from './execution-events';
import { type Recovery, recoverStoppedExecution } from './stopped-executions';

/**
 * Target of the EventBridge rule on "Step Functions Execution Status Change" (FAILED, TIMED_OUT, ABORTED)
 * for our workflows, in AWS and in the local stack: no customer stays stuck behind an execution that
 * ended without finishing its job (see stopped-executions.ts). A transient error throws, so EventBridge's
 * retry policy delivers the event again (every path is idempotent); an event that is not one we can
 * read is logged and dropped, since no retry would make it readable.
 */
export async function handler(event: unknown, context?: Context): Promise<Recovery> {
  if (context) logger.addContext(context);
  const parsed = ExecutionStatusChangeEvent.safeParse(event);
  if (!parsed.success) {
    logger.warn('Not an execution status change we handle', { issues: parsed.error.issues.map((issue) => issue.path.join('.')) });
    return { action: 'ignored', why: 'not an execution status change' };
  }
  const { detail } = parsed.data;
  return traceHandler('Recover stopped execution', { executionName: detail.name }, async () => {
    const recovery = await recoverStoppedExecution(detail);
    logger.info('Stopped execution handled', { executionName: detail.name, status: detail.status, action: recovery.action });
    return recovery;
  });
}

import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { tracer } from './tracer';

/**
 * The tracer lives in ./tracer and the metrics in ./metrics, so a bundle carries the metrics library only
 * where a handler counts something, and an SDK client module needs neither logger nor metrics.
 */
export { tracer };

/**
 * The one structured logger for all Lambda code. Never pass it an email, name, password or token:
 * log ids (customerId, requestId) and error names instead.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'stackpro' });

/** X-Ray annotation values are searchable (`annotation.customerId = "..."`): ids only, never PII. */
export type TraceAnnotations = Readonly<Record<string, string | undefined>>;

/** Puts each defined annotation on the current (sub)segment; a no-op when tracing is off. */
export function annotateTrace(annotations: TraceAnnotations): void {
  for (const [key, value] of Object.entries(annotations)) if (value !== undefined) tracer.putAnnotation(key, value);
}

/**
 * Runs one invocation of a handler that is not a middy route (workflow steps, the authorizer, the custom
 * resource) the way Powertools' injectLambdaContext and captureLambdaHandler do: every log line of the
 * invocation carries `context` (function name, request id), and it runs in its own `## name` subsegment with
 * the ColdStart and Service annotations plus `annotations`, so the trace shows its SDK calls under it and can
 * be searched by id. Errors are recorded on the subsegment and rethrown; responses are never recorded.
 */
export async function traceHandler<T>(name: string, annotations: TraceAnnotations, fn: () => Promise<T>, context?: Context): Promise<T> {
  if (context) logger.addContext(context);
  if (!tracer.isTracingEnabled()) return fn();
  const parent = tracer.getSegment();
  const subsegment = parent?.addNewSubsegment(`## ${name}`);
  if (subsegment) tracer.setSegment(subsegment);
  try {
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    annotateTrace(annotations);
    return await fn();
  } catch (error) {
    tracer.addErrorAsMetadata(error as Error);
    throw error;
  } finally {
    subsegment?.close();
    if (parent) tracer.setSegment(parent);
  }
}

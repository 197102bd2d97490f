import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import { METRICS } from './core/metric-names';

/**
 * The one structured logger for all Lambda code. Never pass it an email, name, password or token:
 * log ids (customerId, requestId) and error names instead.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'stackpro' });

/**
 * Business metrics as CloudWatch embedded-metric log lines (no API call, no extra permission). CDK alarms
 * on them; names come from core/metric-names.ts, shared with lib/.
 */
export const metrics = new Metrics({ namespace: METRICS.namespace, serviceName: METRICS.service });

/**
 * Flushes the metrics this invocation added, if any. A run that counted nothing (a sweep with nothing to
 * do, every few seconds locally) writes no empty metric line and no Powertools warning.
 */
export function publishMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

/**
 * X-Ray tracing: every SDK client in lambdas/clients/ is captured, and outgoing HTTP (Stripe) is traced.
 * Powertools turns it off outside Lambda (no AWS_EXECUTION_ENV), so the local stack and the tests send
 * nothing. Annotations carry ids only (customerId, executionName, step), never PII.
 */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'stackpro' });

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

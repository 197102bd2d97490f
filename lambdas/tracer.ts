import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * X-Ray tracing: every SDK client in lambdas/clients/ is captured, and outgoing HTTP (Stripe) is traced.
 * Powertools turns it off outside Lambda (no AWS_EXECUTION_ENV), so the local stack and the tests send
 * nothing. Annotations carry ids only (customerId, executionName, step), never PII.
 */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'stackpro' });

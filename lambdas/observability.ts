import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * The one structured logger for all Lambda code. Never pass it an email, name, password or token:
 * log ids (customerId, requestId) and error names instead.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'stackpro' });

/**
 * Business metrics as CloudWatch embedded-metric log lines (no API call, no extra permission). CDK alarms
 * on them; the namespace is shared with lib/.
 */
export const METRICS_NAMESPACE = 'StackPro';
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'stackpro' });

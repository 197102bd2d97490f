import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
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

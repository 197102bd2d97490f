import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS } from './core/metric-names';

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

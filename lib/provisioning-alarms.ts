import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRICS } from '../lambdas/core/metric-names';

/** What is watched and who is told. */
export interface ProvisioningAlarmsProps {
  /** The provisioning state machine: failed or timed-out executions alarm. */
  readonly stateMachine: sfn.IStateMachine;
  /** Every alarm notifies this topic (lib/alarm-topic.ts). */
  readonly topic: sns.ITopic;
}

/**
 * The business metrics mark-provisioning-failed emits through Powertools (lambdas/observability.ts), as
 * the embedded-metric-format lines carry them: namespace, dimension `service`, metric names.
 */
export const PROVISIONING_METRICS = {
  namespace: METRICS.namespace,
  dimensions: { service: METRICS.service },
  provisioningFailed: METRICS.provisioningFailed,
  rollbackIncomplete: METRICS.rollbackIncomplete,
  capacityWaitStarted: METRICS.capacityWaitStarted,
} as const;

const PERIOD = Duration.minutes(5);

/** A business metric (Sum over 5 minutes) as Powertools emits it: our namespace and `service` dimension. */
export function businessMetric(metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: PROVISIONING_METRICS.namespace,
    metricName,
    dimensionsMap: { ...PROVISIONING_METRICS.dimensions },
    statistic: cloudwatch.Stats.SUM,
    period: PERIOD,
  });
}

/** A state machine's failed and timed-out executions (Sum over 5 minutes). */
export function executionMetrics(stateMachine: sfn.IStateMachine): { failed: cloudwatch.Metric; timedOut: cloudwatch.Metric } {
  return {
    failed: stateMachine.metricFailed({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
    timedOut: stateMachine.metricTimedOut({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
  };
}

/** An alarm on any occurrence (>= 1 in one period; no data means nothing happened) that notifies `topic`. */
export function notifyingAlarm(scope: Construct, id: string, topic: sns.ITopic, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    metric,
    alarmDescription: description,
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    // No data means nothing failed.
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new actions.SnsAction(topic));
  return alarm;
}

/**
 * Alarms for provisioning: a customer whose stack failed (and was rolled back), a rollback that left
 * something behind (it may still cost money), and executions that failed or timed out. Each alarm notifies
 * one SNS topic.
 */
export class ProvisioningAlarms extends Construct {
  readonly provisioningFailed: cloudwatch.Alarm;
  readonly rollbackIncomplete: cloudwatch.Alarm;
  readonly capacityWaitStarted: cloudwatch.Alarm;
  readonly executionsFailed: cloudwatch.Alarm;
  readonly executionsTimedOut: cloudwatch.Alarm;
  private readonly topic: sns.ITopic;

  constructor(scope: Construct, id: string, props: ProvisioningAlarmsProps) {
    super(scope, id);

    this.topic = props.topic;
    this.provisioningFailed = this.alarm('ProvisioningFailedAlarm', businessMetric(PROVISIONING_METRICS.provisioningFailed), {
      description: 'A customer provisioning failed and was rolled back: the customer sees "failed". Read the execution history.',
    });
    this.rollbackIncomplete = this.alarm('RollbackIncompleteAlarm', businessMetric(PROVISIONING_METRICS.rollbackIncomplete), {
      description:
        'A provisioning rollback could not remove everything (instance, DNS records or email identity): clean up by hand, it may cost money.',
    });
    this.capacityWaitStarted = this.alarm('CapacityWaitStartedAlarm', businessMetric(PROVISIONING_METRICS.capacityWaitStarted), {
      description:
        'A customer is waiting for EC2 capacity (vCPU quota, no capacity in any subnet, or no public address): raise the quota or add subnets; provisioning rolls back after the capacity wait.',
    });
    const executions = executionMetrics(props.stateMachine);
    this.executionsFailed = this.alarm('ExecutionsFailedAlarm', executions.failed, {
      description: 'A provisioning execution failed (including superseded and cancelled signups). Read the execution history.',
    });
    this.executionsTimedOut = this.alarm('ExecutionsTimedOutAlarm', executions.timedOut, {
      description: 'A provisioning execution hit its timeout: nothing was rolled back. Check the customer and its resources.',
    });
  }

  private alarm(id: string, metric: cloudwatch.IMetric, options: { description: string }): cloudwatch.Alarm {
    return notifyingAlarm(this, id, this.topic, metric, options.description);
  }
}

import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRICS } from '../lambdas/core/metric-names';
import type { LifecycleWorkflowId } from './lifecycle-workflows';
import { businessMetric, executionMetrics, notifyingAlarm } from './provisioning-alarms';

/** What is watched and who is told. */
export interface LifecycleAlarmsProps {
  /** Suspend, Resume and Deprovision: failed or timed-out executions alarm. */
  readonly stateMachines: Readonly<Record<LifecycleWorkflowId, sfn.IStateMachine>>;
  /** The provisioning alarm topic: on-call subscribes to one topic for the whole control plane. */
  readonly topic: sns.ITopic;
}

/** Per workflow: the business metric its record-lifecycle-failure step counts, and what the alarm means. */
const LIFECYCLE_FAILURES: Readonly<Record<LifecycleWorkflowId, { metricName: string; description: string }>> = {
  SuspendCustomer: {
    metricName: METRICS.suspendFailed,
    description: 'A suspension failed: an unpaid customer may still be running (and costing money). Read the SuspendCustomer execution and start it again.',
  },
  ResumeCustomer: {
    metricName: METRICS.resumeFailed,
    description: 'A resume failed: a paying customer may be offline. Read the ResumeCustomer execution and start it again now.',
  },
  DeprovisionCustomer: {
    metricName: METRICS.deprovisionFailed,
    description: 'A deprovisioning failed: resources may be half removed and still cost money. Read the DeprovisionCustomer execution.',
  },
};

/**
 * Alarms for the billing lifecycle, on the provisioning alarm topic: each workflow's failure metric
 * (counted by its failure step; superseded executions are not counted), and each state machine's failed
 * and timed-out executions (these include superseded ones, which need no action).
 */
export class LifecycleAlarms extends Construct {
  /** The alarms, keyed by construct id. */
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: LifecycleAlarmsProps) {
    super(scope, id);
    const alarms: Record<string, cloudwatch.Alarm> = {};
    const add = (alarmId: string, metric: cloudwatch.IMetric, description: string) => {
      alarms[alarmId] = notifyingAlarm(this, alarmId, props.topic, metric, description);
    };

    for (const [workflowId, stateMachine] of Object.entries(props.stateMachines) as [LifecycleWorkflowId, sfn.IStateMachine][]) {
      const failure = LIFECYCLE_FAILURES[workflowId];
      add(`${failure.metricName}Alarm`, businessMetric(failure.metricName), failure.description);
      const executions = executionMetrics(stateMachine);
      add(
        `${workflowId}ExecutionsFailedAlarm`,
        executions.failed,
        `A ${workflowId} execution failed (including LifecycleSuperseded and CustomerNotFound, which need no action). Read the execution history.`,
      );
      add(
        `${workflowId}ExecutionsTimedOutAlarm`,
        executions.timedOut,
        `A ${workflowId} execution hit its timeout: the customer may be half way through. Check the customer and its resources, then start it again.`,
      );
    }
    this.alarms = alarms;
  }
}

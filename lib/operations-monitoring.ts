import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRICS } from '../lambdas/core/metric-names';
import { PLAN_NAMES } from '../lambdas/core/plans';
import { businessMetric, executionMetrics, notifyingAlarm } from './provisioning-alarms';

/** What the operators watch, and who is told. */
export interface OperationsMonitoringProps {
  /** The operators' topic (lib/alarm-topic.ts): every alarm here notifies it. */
  readonly topic: sns.ITopic;
  /** The account API: its 5xx rate and p99 latency alarm; the Stripe webhook's own method metrics too. */
  readonly api: apigw.RestApi;
  /** The Stripe webhook route, as API Gateway names it in its per-method metrics. */
  readonly webhookRoute: { readonly method: string; readonly path: string };
  /**
   * Every workflow's state machine, by workflow id (statemachines/workflows.ts and any added since): drawn on
   * the dashboard. Their failed and timed-out execution alarms live beside the workflows (ProvisioningAlarms,
   * LifecycleAlarms) or come from `watchWorkflow`.
   */
  readonly stateMachines: Readonly<Record<string, sfn.IStateMachine>>;
  /**
   * API 5xx share (percent of requests, over 5 minutes, when at least 10 came) that alarms.
   * @default 1
   */
  readonly api5xxPercent?: number;
  /**
   * API p99 latency (ms, over 5 minutes, 2 periods of 3) that alarms.
   * @default 3000
   */
  readonly apiP99Ms?: number;
}

const PERIOD = Duration.minutes(5);
/** The dashboard's business lines: an hour per point reads better than 5 minutes for signups. */
const HOURLY = Duration.hours(1);
/** AWS Health's events for EC2 simplified automatic recovery (a system check failed; EC2 moved the instance). */
const AUTO_RECOVERY_EVENTS = ['AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_SUCCESS', 'AWS_EC2_SIMPLIFIED_AUTO_RECOVERY_FAILURE'];

/**
 * The control plane's operations view (README "Monitoring"): alarms on the operators' topic for Lambda errors
 * and throttles (account-level aggregates: the account runs StackPro only), the API's 5xx rate and p99 latency,
 * Stripe webhook failures, customer instance status checks (EC2's simplified automatic recovery, set in the
 * launch template, handles a failed system check; AWS Health tells us how it went), plus the one dashboard:
 * signups, verifications, provisionings in flight, failures, p99 latencies, active customers by plan.
 *
 * Every alarm in the stack, whoever made it, shows in the dashboard's alarm status (StackAlarmsWidget): a new
 * alarm only needs `notifyingAlarm(scope, id, topic, metric, description)`. A new workflow calls `watchWorkflow`
 * (failed and timed-out executions alarm, and its line among the failures).
 */
export class OperationsMonitoring extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  /** The alarms made here, keyed by construct id. */
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;
  private readonly ownAlarms: Record<string, cloudwatch.Alarm> = {};
  private readonly topic: sns.ITopic;
  private readonly failures: cloudwatch.GraphWidget;

  constructor(scope: Construct, id: string, props: OperationsMonitoringProps) {
    super(scope, id);
    this.topic = props.topic;
    this.alarms = this.ownAlarms;
    const stage = props.api.deploymentStage;

    // Lambda: every function in the account and region, in one series each (no 60 alarms to keep in step).
    const lambdaErrors = accountLambdaMetric('Errors');
    const lambdaThrottles = accountLambdaMetric('Throttles');
    this.alarm('LambdaErrorsAlarm', lambdaErrors, 5, 'Lambda functions failed 5 times or more in 5 minutes (crashes, timeouts, failed workflow steps). ' +
      'The dashboard lists the functions; read their logs.');
    this.alarm('LambdaThrottlesAlarm', lambdaThrottles, 1, 'A Lambda invocation was throttled: the account concurrency is exhausted. ' +
      'Requests fail with 503 or workflow steps retry; raise the quota or find the runaway function.');

    // API: the share of 5xx answers (never expected: a 5xx is a bug or an outage) and the p99 latency.
    const requests = stage.metricCount({ period: PERIOD, statistic: cloudwatch.Stats.SUM });
    const serverErrors = stage.metricServerError({ period: PERIOD, statistic: cloudwatch.Stats.SUM });
    const api5xxRate = new cloudwatch.MathExpression({
      expression: 'IF(requests >= 10, 100 * errors / requests, 0)',
      usingMetrics: { requests, errors: serverErrors },
      label: 'API 5xx (% of requests)',
      period: PERIOD,
    });
    const apiP99 = stage.metricLatency({ period: PERIOD, statistic: cloudwatch.Stats.p(99) });
    const api5xxPercent = props.api5xxPercent ?? 1;
    this.ownAlarms.Api5xxRateAlarm = this.notify(
      new cloudwatch.Alarm(this, 'Api5xxRateAlarm', {
        metric: api5xxRate,
        threshold: api5xxPercent,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `More than ${api5xxPercent}% of API requests answered 5xx over 5 minutes. Read the access log (errorType) and the route's logs.`,
      }),
    );
    const apiP99Ms = props.apiP99Ms ?? 3000;
    this.ownAlarms.ApiP99LatencyAlarm = this.notify(
      new cloudwatch.Alarm(this, 'ApiP99LatencyAlarm', {
        metric: apiP99,
        threshold: apiP99Ms,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `The API's p99 latency was over ${apiP99Ms} ms in 2 of the last 3 five-minute periods. Check the dashboard for the route and for throttles.`,
      }),
    );

    // The Stripe webhook: a 5xx means an event was not applied (Stripe retries for 3 days); repeated 4xx means
    // deliveries are refused (a wrong webhook secret after a rotation, or someone posting junk).
    const webhookMetric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiName: props.api.restApiName, Stage: stage.stageName, Method: props.webhookRoute.method, Resource: props.webhookRoute.path },
        statistic: cloudwatch.Stats.SUM,
        period: PERIOD,
      });
    this.alarm('StripeWebhookFailedAlarm', webhookMetric('5XXError'), 1, 'A Stripe webhook delivery answered 5xx: the event was not applied. Stripe redelivers ' +
      'for 3 days; read the webhook logs and fix the cause before then.');
    this.ownAlarms.StripeWebhookRejectedAlarm = this.notify(
      new cloudwatch.Alarm(this, 'StripeWebhookRejectedAlarm', {
        metric: webhookMetric('4XXError').with({ period: Duration.minutes(15) }),
        threshold: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: 'Stripe webhook deliveries were refused 3 times or more in 15 minutes (INVALID_SIGNATURE, usually): check that the ' +
          'StripeKeys webhookSecret matches the endpoint in the Stripe dashboard.',
      }),
    );

    // Customer servers: a failed status check on any of them (Metrics Insights over every instance in the
    // account: servers are launched by a Lambda, so there is no per-instance alarm to keep in step).
    const statusCheckFailed = new cloudwatch.MathExpression({
      expression: 'SELECT MAX(StatusCheckFailed) FROM SCHEMA("AWS/EC2", InstanceId)',
      usingMetrics: {},
      label: 'Customer servers failing a status check',
      period: Duration.minutes(1),
    });
    this.ownAlarms.InstanceStatusCheckFailedAlarm = this.notify(
      new cloudwatch.Alarm(this, 'InstanceStatusCheckFailedAlarm', {
        metric: statusCheckFailed,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: 'A customer server failed its status checks for 3 minutes. A system check failure is recovered by EC2 on its own ' +
          '(simplified automatic recovery; an AWS Health email follows). An instance check failure is the OS: reboot it (README "Monitoring").',
      }),
    );
    new events.Rule(this, 'AutoRecoveryRule', {
      description: 'Tells operators when EC2 recovered a customer server after a failed system status check, or could not',
      eventPattern: { source: ['aws.health'], detailType: ['AWS Health Event'], detail: { service: ['EC2'], eventTypeCode: AUTO_RECOVERY_EVENTS } },
      targets: [new targets.SnsTopic(props.topic)],
    });

    // The dashboard.
    const business = (metricName: string, label: string, statistic: string = cloudwatch.Stats.SUM) =>
      businessMetric(metricName).with({ period: HOURLY, statistic, label });
    const gauge = (metricName: string, label: string, dimensions: Record<string, string> = {}) =>
      new cloudwatch.Metric({
        namespace: METRICS.namespace,
        metricName,
        dimensionsMap: { service: METRICS.service, ...dimensions },
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(15),
        label,
      });
    this.failures = new cloudwatch.GraphWidget({
      title: 'Failures',
      width: 12,
      left: [
        business(METRICS.provisioningFailed, 'Provisionings failed'),
        business(METRICS.rollbackIncomplete, 'Rollbacks incomplete'),
        business(METRICS.suspendFailed, 'Suspensions failed'),
        business(METRICS.resumeFailed, 'Resumes failed'),
        business(METRICS.deprovisionFailed, 'Deprovisionings failed'),
        ...Object.entries(props.stateMachines).map(([workflowId, stateMachine]) =>
          stateMachine.metricFailed({ period: HOURLY, statistic: cloudwatch.Stats.SUM, label: `${workflowId} executions failed` }),
        ),
      ],
    });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Signups and verifications (per hour)',
            width: 8,
            left: [business(METRICS.customerSignedUp, 'Signups'), business(METRICS.emailVerified, 'Emails verified')],
          }),
          new cloudwatch.GraphWidget({
            title: 'Provisionings in flight',
            width: 8,
            left: [gauge(METRICS.provisioningsInFlight, 'Running ProvisionCustomer executions')],
          }),
          new cloudwatch.GraphWidget({
            title: 'Active customers by plan',
            width: 8,
            stacked: true,
            left: PLAN_NAMES.map((plan) => gauge(METRICS.activeCustomers, plan, { plan })),
          }),
        ],
        [
          this.failures,
          new cloudwatch.GraphWidget({
            title: 'p99 latencies',
            width: 12,
            left: [apiP99.with({ label: 'API p99 (ms)' }), accountLambdaMetric('Duration', cloudwatch.Stats.p(99)).with({ label: 'Lambda p99 (ms)' })],
            right: Object.entries(props.stateMachines).map(([workflowId, stateMachine]) =>
              stateMachine.metricTime({ period: PERIOD, statistic: cloudwatch.Stats.p(99), label: `${workflowId} p99 (ms)` }),
            ),
          }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'API 5xx (% of requests)', width: 8, left: [api5xxRate] }),
          new cloudwatch.GraphWidget({
            title: 'Lambda errors and throttles, and the functions failing most',
            width: 8,
            left: [lambdaErrors.with({ label: 'Errors (all functions)' }), lambdaThrottles.with({ label: 'Throttles (all functions)' })],
            right: [
              new cloudwatch.MathExpression({
                expression: "SORT(SEARCH('{AWS/Lambda,FunctionName} MetricName=\"Errors\"', 'Sum', 300), SUM, DESC, 5)",
                usingMetrics: {},
                label: '',
                period: PERIOD,
              }),
            ],
          }),
          new cloudwatch.GraphWidget({ title: 'Customer servers failing a status check', width: 8, left: [statusCheckFailed] }),
        ],
        [new StackAlarmsWidget(this)],
      ],
    });
  }

  /**
   * A workflow added after the first four: alarms on its failed and timed-out executions (`<id>ExecutionsFailedAlarm`,
   * `<id>ExecutionsTimedOutAlarm`) and its line among the failures.
   */
  watchWorkflow(workflowId: string, stateMachine: sfn.IStateMachine): void {
    const executions = executionMetrics(stateMachine);
    this.alarm(`${workflowId}ExecutionsFailedAlarm`, executions.failed, 1, `A ${workflowId} execution failed. Read the execution history in the console.`);
    this.alarm(`${workflowId}ExecutionsTimedOutAlarm`, executions.timedOut, 1, `A ${workflowId} execution hit its timeout. Check the customer and its resources.`);
    this.failures.addLeftMetric(stateMachine.metricFailed({ period: HOURLY, statistic: cloudwatch.Stats.SUM, label: `${workflowId} executions failed` }));
  }

  /** A workflow whose alarms live elsewhere (a nested stack): its line among the failures only. */
  chartWorkflow(workflowId: string, stateMachine: sfn.IStateMachine): void {
    this.failures.addLeftMetric(stateMachine.metricFailed({ period: HOURLY, statistic: cloudwatch.Stats.SUM, label: `${workflowId} executions failed` }));
  }

  /** An alarm when the metric reaches `threshold` in one 5-minute period; notifies the topic. */
  private alarm(id: string, metric: cloudwatch.IMetric, threshold: number, description: string): cloudwatch.Alarm {
    const alarm =
      threshold === 1
        ? notifyingAlarm(this, id, this.topic, metric, description)
        : this.notify(
            new cloudwatch.Alarm(this, id, {
              metric,
              threshold,
              comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
              evaluationPeriods: 1,
              treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
              alarmDescription: description,
            }),
          );
    this.ownAlarms[id] = alarm;
    return alarm;
  }

  private notify(alarm: cloudwatch.Alarm): cloudwatch.Alarm {
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    return alarm;
  }
}

/** A Lambda metric over every function in the account and region (AWS/Lambda publishes it without dimensions). */
function accountLambdaMetric(metricName: string, statistic: string = cloudwatch.Stats.SUM): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName, statistic, period: PERIOD });
}

/**
 * The alarm status of every CloudWatch alarm in the stack, found when the template is made (the dashboard body
 * is resolved then), so an alarm added by any construct shows without being listed here. At most 100 (the
 * widget's limit).
 */
class StackAlarmsWidget extends cloudwatch.ConcreteWidget {
  constructor(private readonly scope: Construct) {
    super(24, 6);
  }

  override position(x: number, y: number): void {
    this.x = x;
    this.y = y;
  }

  toJson(): unknown[] {
    const alarms = Stack.of(this.scope)
      .node.findAll()
      .filter((construct): construct is cloudwatch.Alarm => construct instanceof cloudwatch.Alarm);
    if (alarms.length > 100) throw new Error(`The alarm status widget shows at most 100 alarms; the stack has ${alarms.length}`);
    return [
      {
        type: 'alarm',
        width: this.width,
        height: this.height,
        x: this.x,
        y: this.y,
        properties: { title: 'Alarms', alarms: alarms.map((alarm) => alarm.alarmArn), sortBy: 'stateUpdatedTimestamp' },
      },
    ];
  }
}

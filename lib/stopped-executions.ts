import { Duration, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  EXECUTION_EVENT_SOURCE,
  EXECUTION_STATUS_CHANGE,
  STOPPED_EXECUTION_HANDLER,
  STOPPED_STATUSES,
} from '../lambdas/workflows/execution-events';
import { type FunctionAccess, grantFunctionAccess } from './function-access';
import { notifyingAlarm } from './provisioning-alarms';
import type { LifecycleWorkflows } from './lifecycle-workflows';
import type { ResizeWorkflowStack } from './resize-workflow-stack';
import type { ProvisioningWorkflow } from './provisioning-workflow';
import type { StackProSettings } from './settings';
import { StackProFunction } from './stackpro-function';
import type { StripeKeys } from './stripe-keys';

export interface StoppedExecutionRecoveryProps {
  readonly table: dynamodb.ITable;
  readonly stripeKeys: StripeKeys;
  /** The zone holding customer records: a stopped provisioning's DNS records are removed from it. */
  readonly hostedZone: route53.IHostedZone;
  readonly settings: Pick<StackProSettings, 'customerDomain' | 'senderAddress' | 'billingRetentionDays'>;
  /** Its stopped executions are cleaned up (the function never starts it: an operator's retry does). */
  readonly provisioning: ProvisioningWorkflow;
  /** Their stopped executions are run again once (lambdas/workflows/stopped-executions.ts). */
  readonly lifecycle: LifecycleWorkflows;
  /** Its stopped executions are run again once, to put the previous type and price back (`resize:start`). */
  readonly resize: Pick<ResizeWorkflowStack, 'stateMachine' | 'grantStart'>;
  /** A stopped provisioning's messaging channels are released (their routing and the WhatsApp pool are here). */
  readonly messagingTable: dynamodb.ITable;
  /** The operators' topic: told when an event lands in the dead-letter queue. */
  readonly topic: sns.ITopic;
  /** Its stopped executions are rolled back by a `-rollback` execution of the same workflow. */
  readonly restore?: { readonly stateMachine: sfn.StateMachine };
  /** Its stopped executions get their report closed (the update `stopped`); the function never starts it. */
  readonly fleetUpdate?: sfn.StateMachine;
}

/**
 * What the function does, as access (lib/function-access.ts): read the customer and write its status and
 * step log; undo a provisioning attempt (cancel the subscription, remove DNS records, delete the email
 * identity, terminate the attempt's instances, all with the rollback steps' own conditions); start a
 * suspend, resume or deprovision again; start a stopped resize again to put things back.
 */
export const RECOVERY_ACCESS: readonly FunctionAccess[] = [
  'table:read',
  'table:write',
  'stripe',
  'route53:records',
  'ses:delete-identity',
  'ec2:describe',
  'ec2:terminate',
  'lifecycle:start',
  'resize:start',
  // A stopped provisioning's messaging channels: the release step's own grants (numbers tagged ManagedBy=stackpro only).
  'messaging:read',
  'messaging:write',
  'sms:release-number',
];

/**
 * No customer in limbo: an EventBridge rule on "Step Functions Execution Status Change" (FAILED,
 * TIMED_OUT, ABORTED) for our workflows invokes RecoverStoppedExecution, which cleans up a stopped
 * provisioning and marks the customer failed (so the retry route works), runs a stopped lifecycle
 * workflow again, or closes a stopped fleet update's report. Events that cannot be delivered, and invocations that fail after Lambda's own retries,
 * land in one encrypted dead-letter queue. The local stack delivers the same events (local/events/).
 */
export class StoppedExecutionRecovery extends Construct {
  readonly function: StackProFunction;
  readonly rule: events.Rule;
  /** Events the function never handled: redrive them to the function once the cause is fixed (14 days). */
  readonly deadLetterQueue: sqs.Queue;
  /** Any message in the dead-letter queue: a stopped execution nobody handled, so a customer may be stuck. */
  readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: StoppedExecutionRecoveryProps) {
    super(scope, id);
    const stateMachineArns = [
      props.provisioning.stateMachine.stateMachineArn,
      ...Object.values(props.lifecycle.stateMachines).map((stateMachine) => stateMachine.stateMachineArn),
      props.resize.stateMachine.stateMachineArn,
      ...(props.restore ? [props.restore.stateMachine.stateMachineArn] : []),
      ...(props.fleetUpdate ? [props.fleetUpdate.stateMachineArn] : []),
    ];

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the stopped-execution rule and function; it needs none of its own.',
    });

    this.function = new StackProFunction(this, 'RecoverStoppedExecution', {
      handler: STOPPED_EXECUTION_HANDLER,
      description: 'Cleans up after a stopped, timed-out or aborted workflow execution so no customer stays stuck',
      // Four undo calls (each with the SDK's retries) and a few DynamoDB writes.
      timeout: Duration.minutes(1),
    });
    grantFunctionAccess(this.function, 'RecoverStoppedExecution', [...RECOVERY_ACCESS, ...(props.restore ? (['restore:start'] as const) : [])], { ...props, hostedZone: props.hostedZone });
    // To tell provisioning events from the others; no grant: the function never starts a provisioning.
    this.function.addEnvironment('PROVISIONING_STATE_MACHINE_ARN', props.provisioning.stateMachine.stateMachineArn);
    // Likewise for fleet updates: the function only writes the update's report (table:read and table:write).
    if (props.fleetUpdate) this.function.addEnvironment('FLEET_UPDATE_STATE_MACHINE_ARN', props.fleetUpdate.stateMachineArn);
    // Every path is idempotent, so Lambda's async retries are safe; what still fails is kept for operators.
    this.function.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });

    this.deadLetterAlarm = notifyingAlarm(
      this,
      'DeadLetterAlarm',
      props.topic,
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      'A stopped, timed-out or aborted execution was not handled: its customer may be stuck. Read the RecoverStoppedExecution log for the execution name, fix the cause, redrive the queue.',
    );

    this.rule = new events.Rule(this, 'Rule', {
      description: 'Step Functions executions of our workflows that ended FAILED, TIMED_OUT or ABORTED',
      eventPattern: {
        source: [EXECUTION_EVENT_SOURCE],
        detailType: [EXECUTION_STATUS_CHANGE],
        detail: { status: [...STOPPED_STATUSES], stateMachineArn: stateMachineArns },
      },
      targets: [
        new targets.LambdaFunction(this.function, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
  }
}

import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { MESSAGING_JOBS } from '../lambdas/scheduled/jobs';
import { MESSAGING_STEPS, PROVISION_CUSTOMER } from '../statemachines/workflows';
import { grantFunctionAccess } from './function-access';
import { ScheduledJobs } from './scheduled-jobs';
import type { StackProSettings } from './settings';
import { StackProFunction } from './stackpro-function';
import type { StripeKeys } from './stripe-keys';

export interface MessagingOperationsProps {
  /** The customer table: the steps read the plan and write their progress; the expiry job reads accounts. */
  readonly customerTable: dynamodb.ITable;
  readonly messagingTable: dynamodb.ITable;
  /** Set on each requested number for two-way SMS. */
  readonly smsTopic: sns.ITopic;
  readonly stripeKeys: StripeKeys;
  readonly settings: Pick<StackProSettings, 'customerDomain' | 'senderAddress' | 'messagingHistoryRetentionDays'>;
  /** The operators' topic: the expiry job's failure alarm. */
  readonly alarmTopic: sns.ITopic;
}

/**
 * The operators' side of messaging (issue #10 "Operators"), in the messaging nested stack (the main stack's
 * resource budget): the step functions that allocate and release a customer's channels, which the
 * provisioning, deprovisioning and resize workflows invoke by ARN (one function per step id, construct id
 * = step id), and the daily job that deletes released customers' history after the retention period.
 */
export class MessagingOperations extends Construct {
  /** The channel steps' functions, keyed by step id (`AllocateMessagingChannels`, `ReleaseMessagingChannels`). */
  readonly stepFunctions: Readonly<Record<string, StackProFunction>>;
  readonly jobs: ScheduledJobs;

  constructor(scope: Construct, id: string, props: MessagingOperationsProps) {
    super(scope, id);
    const targets = {
      table: props.customerTable,
      messagingTable: props.messagingTable,
      messagingSmsTopic: props.smsTopic,
      stripeKeys: props.stripeKeys,
      settings: props.settings,
    };
    const stepFunctions: Record<string, StackProFunction> = {};
    for (const step of MESSAGING_STEPS) {
      const fn = new StackProFunction(this, step.id, {
        handler: step.handler,
        description: `${PROVISION_CUSTOMER.id} step: ${step.id}`,
        // Below every invoking Task's 30 s (checked by each workflow's checkStepTimeouts).
        timeout: Duration.seconds(20),
      });
      grantFunctionAccess(fn, step.id, step.access, targets);
      stepFunctions[step.id] = fn;
    }
    // The release schedules the history's deletion this many days on.
    stepFunctions.ReleaseMessagingChannels?.addEnvironment('MESSAGING_HISTORY_RETENTION_DAYS', String(props.settings.messagingHistoryRetentionDays));
    this.stepFunctions = stepFunctions;
    this.jobs = new ScheduledJobs(this, 'Jobs', { ...targets, topic: props.alarmTopic, jobs: MESSAGING_JOBS });
  }
}

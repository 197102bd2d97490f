import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { StackProFunction } from './stackpro-function';

/** The consumer's handler module (a DynamoDBStreamEvent handler exporting `handler`). */
export const AGGREGATE_ANALYTICS_HANDLER = 'messaging/analytics/aggregate-analytics';

/** The only partitions the aggregator may write: a customer's daily aggregates and its fact markers. */
export const ANALYTICS_LEADING_KEYS = ['CUSTOMER#*#ANALYTICS#*', 'CUSTOMER#*#ANALYTICSFACT#*'] as const;

export interface MessagingAnalyticsProps {
  /** The messaging table, with its stream (new images). */
  readonly table: dynamodb.ITable;
  /**
   * Notified when a batch of stream records could not be applied after every retry.
   * @default - the alarm has no action (watch it in the console)
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * Messaging analytics (README "Messaging"): the Lambda that reads the messaging table's stream and keeps each
 * customer's per-day, per-channel aggregates, with a role that may write only analytics items, and the event
 * source mapping (batches, bisect on error, bounded retries, then the batch's place in the stream to an SQS
 * queue with an alarm on it). Every fact is counted once by its marker, so retries are safe.
 */
export class MessagingAnalytics extends Construct {
  readonly function: StackProFunction;
  /** Where a batch that failed every retry is recorded (its shard and sequence numbers, to replay), 14 days. */
  readonly failureQueue: sqs.Queue;
  readonly failureAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: MessagingAnalyticsProps) {
    super(scope, id);
    this.function = new StackProFunction(this, 'AggregateAnalytics', {
      handler: AGGREGATE_ANALYTICS_HANDLER,
      description: 'Keeps the messaging analytics (per day and channel) from the messaging table stream',
      // A batch of 100 records is at most a few hundred small transactions.
      timeout: Duration.minutes(1),
      environment: { MESSAGING_TABLE_NAME: props.table.tableName },
    });
    // Writes only analytics items (never a conversation or a message); reads nothing from the table.
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...ANALYTICS_LEADING_KEYS] } },
      }),
    );

    this.failureQueue = new sqs.Queue(this, 'FailureQueue', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the on-failure destination of the analytics stream consumer (a dead-letter queue); it needs none of its own.',
    });

    this.function.addEventSource(
      new sources.DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        // A failing record is isolated by halving the batch; a fact applied before a retry is a no-op after it.
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(24),
        onFailure: new sources.SqsDlq(this.failureQueue),
        // Only conversations and messages carry facts: the aggregator's own writes never come back to it.
        filters: [lambda.FilterCriteria.filter({ dynamodb: { NewImage: { type: { S: lambda.FilterRule.or('message', 'conversation') } } } })],
      }),
    );
    const role = this.function.role!;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5',
      reason:
        'dynamodb:ListStreams (added by the DynamoDB event source) has no resource-level permissions, so it is granted on *. ' +
        'The table writes are limited to analytics partitions by a dynamodb:LeadingKeys condition.',
    });

    this.failureAlarm = new cloudwatch.Alarm(this, 'FailureAlarm', {
      metric: this.failureQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      alarmDescription:
        'A batch of messaging stream records was not applied to the analytics after every retry: those days undercount. ' +
        'Read the AggregateAnalytics log, fix the cause, replay the batch from the queue message (facts already counted are skipped).',
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) this.failureAlarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
  }
}

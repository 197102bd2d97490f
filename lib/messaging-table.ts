import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { MESSAGING_TABLE_DESIGN } from '../lambdas/repositories/messaging-table-design';

/**
 * The messaging table (lambdas/repositories/messaging-table-design.ts): conversations, messages, dedupe
 * records and number routing. Its stream (new images) is there for the live fan-out and the analytics that
 * come next, so neither has to scan or be written to on the request path.
 */
export class MessagingTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const design = MESSAGING_TABLE_DESIGN;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: design.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: design.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: design.timeToLiveAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // As the customer table: the AWS managed key, visible in CloudTrail, nothing to grant per function.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      stream: dynamodb.StreamViewType.NEW_IMAGE,
    });
    for (const index of Object.values(design.conversationIndexes)) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: design.activitySortKey, type: dynamodb.AttributeType.STRING },
        // Conversation items are small and a page must be one Query.
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }
}

/** GetItem and Query on the table and its conversation indexes (never Scan). */
export function grantMessagingRead(table: dynamodb.ITable, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
    resourceArns: [table.tableArn, ...Object.values(MESSAGING_TABLE_DESIGN.conversationIndexes).map((index) => `${table.tableArn}/index/${index.indexName}`)],
  });
}

/** Item writes on the base table (the indexes are maintained by DynamoDB). */
export function grantMessagingWrite(table: dynamodb.ITable, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
    resourceArns: [table.tableArn],
  });
}

/** The ARNs End User Messaging sends from: the account's SMS phone numbers and WhatsApp phone-number ids. */
export function messagingSendResources(scope: Construct): { sms: string; whatsapp: string } {
  const stack = Stack.of(scope);
  return {
    sms: stack.formatArn({ service: 'sms-voice', resource: 'phone-number', resourceName: '*' }),
    whatsapp: stack.formatArn({ service: 'social-messaging', resource: 'phone-number-id', resourceName: '*' }),
  };
}

import { Duration, NestedStack, type NestedStackProps, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { INBOUND_HANDLERS } from '../lambdas/messaging/inbound-handlers';
import { grantFunctionAccess } from './function-access';
import { MessagingAnalytics } from './messaging-analytics';
import { MessagingOperations } from './messaging-operations';
import { MessagingTable } from './messaging-table';
import { MessagingWebSocket } from './messaging-websocket';
import type { SigningKey } from './signing-key';
import type { StackProSettings } from './settings';
import { StackProFunction } from './stackpro-function';
import type { StripeKeys } from './stripe-keys';

export interface MessagingStackProps extends NestedStackProps {
  /** The customer table: inbound messages check the account's plan and status there. */
  readonly customerTable: dynamodb.ITable;
  readonly stripeKeys: StripeKeys;
  readonly settings: Pick<StackProSettings, 'customerDomain' | 'senderAddress' | 'messagingHistoryRetentionDays'>;
  /** Its public keys verify the WebSocket API's tokens at `$connect`. */
  readonly signingKey: SigningKey;
  /** The operators' topic (lib/messaging-operations.ts: the history expiry job's alarm). */
  readonly alarmTopic: sns.ITopic;
}

/**
 * Messaging (issue #10), in a nested stack of its own so the main stack stays under CloudFormation's 500
 * resources: the messaging table, the SNS topics End User Messaging publishes inbound messages and receipts
 * to, the Lambdas subscribed to them, and the messaging routes' functions (`routeScope`; their API Gateway
 * methods stay in the main stack's REST API, which CDK wires to them across the stacks).
 */
export class MessagingStack extends NestedStack {
  readonly messagingTable: MessagingTable;
  /** The two-way SMS topic: set it on each customer number (and the configuration set's event destination). */
  readonly smsTopic: sns.Topic;
  /** The WhatsApp Business Account's event destination. */
  readonly whatsAppTopic: sns.Topic;
  readonly inboundFunctions: Readonly<Record<keyof typeof INBOUND_HANDLERS, StackProFunction>>;
  /** Channel allocation and release steps (invoked by the main stack's workflows) and the history expiry job. */
  readonly operations: MessagingOperations;
  /** Where lib/route-functions.ts puts the functions of routes marked `stack: 'messaging'`. */
  readonly routeScope: Construct;
  /** Live updates: the WebSocket API and the table's stream consumers (lib/messaging-websocket.ts). */
  readonly webSocket: MessagingWebSocket;

  constructor(scope: Construct, id: string, props: MessagingStackProps) {
    super(scope, id, props);
    this.messagingTable = new MessagingTable(this, 'MessagingTable');
    this.routeScope = new Construct(this, 'Routes');

    // A key of our own: the AWS managed SNS key cannot be used by End User Messaging's service principals.
    const key = new kms.Key(this, 'TopicKey', { enableKeyRotation: true, description: 'Encrypts the inbound messaging topics (client messages)' });
    const topic = (topicId: string, displayName: string, publisher: string) => {
      const created = new sns.Topic(this, topicId, { displayName, enforceSSL: true, masterKey: key });
      created.addToResourcePolicy(
        new iam.PolicyStatement({
          actions: ['sns:Publish'],
          principals: [new iam.ServicePrincipal(publisher)],
          resources: [created.topicArn],
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
      );
      key.grant(new iam.ServicePrincipal(publisher), 'kms:GenerateDataKey*', 'kms:Decrypt');
      return created;
    };
    this.smsTopic = topic('SmsTopic', 'StackPro two-way SMS', 'sms-voice.amazonaws.com');
    this.whatsAppTopic = topic('WhatsAppTopic', 'StackPro WhatsApp events', 'social-messaging.amazonaws.com');

    const targets = { table: props.customerTable, messagingTable: this.messagingTable.table, stripeKeys: props.stripeKeys, settings: props.settings };
    const inbound = (channel: keyof typeof INBOUND_HANDLERS, subscribedTo: sns.Topic) => {
      const { id: fnId, handler } = INBOUND_HANDLERS[channel];
      const fn = new StackProFunction(this, fnId, {
        handler,
        description: `Inbound ${channel === 'sms' ? 'SMS' : 'WhatsApp'} messages and receipts from End User Messaging`,
        timeout: Duration.seconds(30),
      });
      // Reads the account (plan, status), routes by number, writes the conversation.
      grantFunctionAccess(fn, fnId, ['table:read', 'messaging:read', 'messaging:write'], targets);
      subscribedTo.addSubscription(new subscriptions.LambdaSubscription(fn));
      return fn;
    };
    this.inboundFunctions = { sms: inbound('sms', this.smsTopic), whatsapp: inbound('whatsapp', this.whatsAppTopic) };
    this.webSocket = new MessagingWebSocket(this, 'WebSocket', { ...targets, customerTable: props.customerTable, messagingTable: this.messagingTable.table, signingKey: props.signingKey, routeScope: this.routeScope });
    new MessagingAnalytics(this, 'Analytics', { table: this.messagingTable.table, alarmTopic: props.alarmTopic });
    this.operations = new MessagingOperations(this, 'Operations', { customerTable: props.customerTable, messagingTable: this.messagingTable.table, smsTopic: this.smsTopic, stripeKeys: props.stripeKeys, settings: props.settings, alarmTopic: props.alarmTopic });
  }
}

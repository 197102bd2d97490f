import { Aspects, Duration, type IAspect, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { WEBSOCKET_HANDLERS } from '../lambdas/messaging/live/websocket-handlers';
import { STREAM_CONSUMERS } from '../lambdas/messaging/stream-consumers';
import { grantFunctionAccess } from './function-access';
import type { SigningKey } from './signing-key';
import { FUNCTION_LOG_RETENTION, StackProFunction } from './stackpro-function';
import type { StripeKeys } from './stripe-keys';
import type { StackProSettings } from './settings';

export interface MessagingWebSocketProps {
  readonly messagingTable: dynamodb.ITable;
  /** The customer table: the authorizer refuses accounts without messaging (plan, verification). */
  readonly customerTable: dynamodb.ITable;
  /** Its public keys verify staff access tokens and widget visitor tokens. */
  readonly signingKey: SigningKey;
  readonly stripeKeys: StripeKeys;
  readonly settings: Pick<StackProSettings, 'customerDomain' | 'senderAddress'>;
  /** Where the messaging routes' functions are created (later, by the account API): GET /messaging/channels learns the URL. */
  readonly routeScope: Construct;
  /**
   * Per-route throttling of the stage (steady rate per second, burst).
   * @default 500 per second, burst 1000
   */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
}

/** The stage's name: part of the wss URL and of the `@connections` endpoint. */
export const WEBSOCKET_STAGE_NAME = 'live';
/** The route whose function reports `websocketUrl` (MESSAGING_WEBSOCKET_URL). */
const CHANNELS_ROUTE_ID = 'GetMessagingChannels';

/**
 * Live updates for staff and widget visitors (issue #10): an API Gateway WebSocket API whose `$connect` is
 * authorized by a Lambda REQUEST authorizer (`?token=` or `?visitorToken=`), connections recorded in the
 * messaging table under their customer, and the stream consumers of lambdas/messaging/stream-consumers.ts,
 * the first of which posts each change to the same customer's connections through `@connections`.
 */
export class MessagingWebSocket extends Construct {
  readonly api: apigwv2.WebSocketApi;
  readonly stage: apigwv2.WebSocketStage;
  /** Stream consumers by registry id. */
  readonly consumers: Readonly<Record<string, StackProFunction>>;
  /** Batches a consumer gave up on (retries exhausted or too old): their position, for an operator to look at. */
  readonly failedBatches: sqs.Queue;

  constructor(scope: Construct, id: string, props: MessagingWebSocketProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const targets = { table: props.customerTable, messagingTable: props.messagingTable, stripeKeys: props.stripeKeys, settings: props.settings };
    const fn = (key: keyof typeof WEBSOCKET_HANDLERS, description: string) =>
      new StackProFunction(this, WEBSOCKET_HANDLERS[key].id, { handler: WEBSOCKET_HANDLERS[key].handler, description });

    const authorizerFn = fn('authorizer', 'Authorizes WebSocket $connect: staff access token or widget visitor token (ES256 JWT)');
    // The public keys only: it can verify tokens, never sign one. Reads the account (plan, verification).
    authorizerFn.addEnvironment('JWT_PUBLIC_KEYS_SECRET_ID', props.signingKey.publicKeys.secretArn);
    props.signingKey.grantReadPublicKeys(authorizerFn);
    grantFunctionAccess(authorizerFn, WEBSOCKET_HANDLERS.authorizer.id, ['table:read'], targets);

    const connectFn = fn('connect', 'WebSocket $connect: records the connection under its customer');
    const disconnectFn = fn('disconnect', 'WebSocket $disconnect: forgets the connection');
    const defaultFn = fn('default', 'WebSocket $default: accepts and ignores client frames (keep-alives)');
    grantConnectionItems(connectFn, props.messagingTable, ['dynamodb:PutItem']);
    grantConnectionItems(disconnectFn, props.messagingTable, ['dynamodb:DeleteItem']);

    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      description: 'StackPro live messaging updates (staff and widget visitors)',
      connectRouteOptions: {
        integration: new WebSocketLambdaIntegration('ConnectIntegration', connectFn),
        // API Gateway calls a WebSocket authorizer only when every identity source is present, and the token
        // comes as either of two query parameters: Sec-WebSocket-Key is in every upgrade request (RFC 6455),
        // so the authorizer always runs and decides. WebSocket authorizer results are not cached.
        authorizer: new WebSocketLambdaAuthorizer('TokenAuthorizer', authorizerFn, { identitySource: ['route.request.header.Sec-WebSocket-Key'] }),
      },
      disconnectRouteOptions: { integration: new WebSocketLambdaIntegration('DisconnectIntegration', disconnectFn) },
      defaultRouteOptions: { integration: new WebSocketLambdaIntegration('DefaultIntegration', defaultFn) },
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: FUNCTION_LOG_RETENTION });
    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: WEBSOCKET_STAGE_NAME,
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 500, burstLimit: 1000 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        // Ids, route and status only: no query string (it holds the token), no message bodies.
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            connectionId: '$context.connectionId',
            routeKey: '$context.routeKey',
            eventType: '$context.eventType',
            status: '$context.status',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTimeEpoch',
            authorizerError: '$context.authorizer.error',
            integrationError: '$context.integration.error',
          }),
        ),
      },
    });
    for (const route of ['$disconnect', '$default']) {
      Validations.of(this.api).acknowledge({
        id: `AwsSolutions-APIG4`,
        reason: `API Gateway allows an authorizer on $connect only; ${route} runs on a connection the $connect authorizer already allowed, and reads the identity it returned.`,
      });
    }
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'Our own ES256 JWTs (staff access tokens, widget visitor tokens) through the $connect Lambda authorizer, no Cognito.',
    });

    // The stage's management endpoint, built from the API id (the WebSocket URL is wss:// on the same host).
    const connectionsUrl = `https://${this.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}/${WEBSOCKET_STAGE_NAME}`;
    const manageConnections = new iam.PolicyStatement({
      actions: ['execute-api:ManageConnections'],
      resources: [stack.formatArn({ service: 'execute-api', resource: this.api.apiId, resourceName: `${WEBSOCKET_STAGE_NAME}/POST/@connections/*` })],
    });

    this.failedBatches = new sqs.Queue(this, 'FailedStreamBatches', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failedBatches).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'It is itself the failure destination of the stream consumers (it holds the shard positions of dropped batches); nothing consumes it to fail again.',
    });

    const consumers: Record<string, StackProFunction> = {};
    for (const consumer of STREAM_CONSUMERS.filter((entry) => entry.builtBy === 'websocket')) {
      const consumerFn = new StackProFunction(this, consumer.id, { handler: consumer.handler, description: 'Messaging table stream: posts live updates to the customer\'s WebSocket connections', timeout: Duration.seconds(30) });
      consumerFn.addEnvironment('MESSAGING_CONNECTIONS_URL', connectionsUrl);
      // Reads the customer's connections and forgets the gone ones (connection items only).
      grantConnectionItems(consumerFn, props.messagingTable, ['dynamodb:Query', 'dynamodb:DeleteItem']);
      consumerFn.addToRolePolicy(manageConnections);
      Validations.of(consumerFn.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${stack.getLogicalId(this.api.node.defaultChild as apigwv2.CfnApi)}>/${WEBSOCKET_STAGE_NAME}/POST/@connections/*]`,
        reason: 'Connection ids are made by API Gateway at each $connect: the wildcard is over the connections of this one API\'s one stage, POST (PostToConnection) only.',
      });
      consumerFn.addEventSource(
        new DynamoEventSource(props.messagingTable, {
          startingPosition: lambda.StartingPosition.LATEST,
          batchSize: 100,
          maxBatchingWindow: Duration.millis(0),
          // A failing record is isolated by halving the batch; the retry starts at the first failed record.
          bisectBatchOnError: true,
          reportBatchItemFailures: true,
          retryAttempts: 5,
          // A live update older than this is not worth delivering: the client reloads on reconnect.
          maxRecordAge: Duration.hours(1),
          onFailure: new SqsDlq(this.failedBatches),
          parallelizationFactor: 1,
        }),
      );
      consumers[consumer.id] = consumerFn;
    }
    this.consumers = consumers;

    // GET /messaging/channels answers `websocketUrl`; its function is made later in routeScope (by the account API).
    Aspects.of(props.routeScope).add(new RouteEnvironment(CHANNELS_ROUTE_ID, { MESSAGING_WEBSOCKET_URL: this.stage.url }));
  }
}

/**
 * Connection items only (`CUSTOMER#<id>#LIVE` partitions, lambdas/repositories/live-connections.ts): the
 * WebSocket functions never touch conversations or messages.
 */
function grantConnectionItems(fn: lambda.Function, table: dynamodb.ITable, actions: string[]): void {
  fn.addEnvironment('MESSAGING_TABLE_NAME', table.tableName);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions,
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CUSTOMER#*#LIVE'] } },
    }),
  );
}

/** Adds environment variables to one function (by construct id) of a scope whose functions are made later. */
class RouteEnvironment implements IAspect {
  constructor(
    private readonly functionId: string,
    private readonly environment: Readonly<Record<string, string>>,
  ) {}

  visit(node: IConstruct): void {
    if (node instanceof lambda.Function && node.node.id === this.functionId) {
      for (const [name, value] of Object.entries(this.environment)) node.addEnvironment(name, value);
    }
  }
}

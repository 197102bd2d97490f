import * as sns from 'aws-cdk-lib/aws-sns';
import './handler-env';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import cdkJson from '../../cdk.json';
import { STREAM_CONSUMERS } from '../../lambdas/messaging/stream-consumers';
import { WEBSOCKET_HANDLERS } from '../../lambdas/messaging/live/websocket-handlers';
import { MessagingStack } from '../../lib/messaging-stack';
import { applyNagChecks } from '../../lib/nag';
import { SigningKey } from '../../lib/signing-key';
import { StackProFunction } from '../../lib/stackpro-function';
import { StripeKeys } from '../../lib/stripe-keys';
import { WEBSOCKET_STAGE_NAME } from '../../lib/messaging-websocket';
import { statementsOfRole, type Statement } from './iam-policies';

// The messaging nested stack alone, in a small parent (the whole StackProStack is synthesized by
// stackpro-stack.test.ts; a second full synth would cost CI seconds). cdk-nag runs on both: an
// unacknowledged finding throws in beforeAll. Bundling is skipped.
let stack: { messaging: MessagingStack };
let nested: Template;
let channelsFunction: lambda.Function;

beforeAll(() => {
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  const parent = new Stack(app, 'Parent');
  const messaging = new MessagingStack(parent, 'Messaging', {
    customerTable: dynamodb.Table.fromTableName(parent, 'Customers', 'stackpro-customers'),
    stripeKeys: new StripeKeys(parent, 'StripeKeys'),
    signingKey: new SigningKey(parent, 'SigningKey'),
    settings: { customerDomain: 'customers.stackpro.test', senderAddress: 'welcome@stackpro.test', messagingHistoryRetentionDays: 30 },
    alarmTopic: sns.Topic.fromTopicArn(parent, 'Alarms', 'arn:aws:sns:us-east-1:123456789012:stackpro-alarms'),
  });
  // What lib/route-functions.ts makes later in routeScope for GET /messaging/channels.
  channelsFunction = new StackProFunction(messaging.routeScope, 'GetMessagingChannels', { handler: 'api/get-messaging-channels', description: 'GET /messaging/channels' });
  stack = { messaging };
  applyNagChecks(app);
  nested = Template.fromStack(messaging);
});

const logicalId = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as never);
const roleOf = (id: string) => logicalId(stack.messaging.webSocket.node.findChild(`${id}Role`));
const statementsOf = (id: string): Statement[] => statementsOfRole(nested, roleOf(id)).filter((statement) => !String(statement.Action).startsWith('logs:') && !String(statement.Action).startsWith('xray:'));
const actions = (statements: Statement[]) => statements.flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action])).sort();
const text = (value: unknown) => JSON.stringify(value);

describe('Messaging WebSocket API', () => {
  it('is a WebSocket API with $connect (Lambda REQUEST authorizer), $disconnect and $default, all in the messaging nested stack', () => {
    nested.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    nested.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' });
    nested.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'REQUEST', IdentitySource: ['route.request.header.Sec-WebSocket-Key'] });
    nested.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$connect', AuthorizationType: 'CUSTOM' });
    nested.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$disconnect', AuthorizationType: 'NONE' });
    nested.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default', AuthorizationType: 'NONE' });
  });

  it('has a throttled stage with JSON access logs that leave the query string (the token) out', () => {
    const stage = nested.findResources('AWS::ApiGatewayV2::Stage');
    const [properties] = Object.values(stage).map((resource) => (resource as { Properties: Record<string, unknown> }).Properties);
    expect(properties).toMatchObject({ StageName: WEBSOCKET_STAGE_NAME, AutoDeploy: true, DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 } });
    const format = (properties.AccessLogSettings as { Format: string }).Format;
    expect(JSON.parse(format)).toMatchObject({ requestId: '$context.requestId', routeKey: '$context.routeKey', status: '$context.status' });
    expect(format).not.toMatch(/querystring|token/i);
  });

  it('lets the fan-out manage connections of this API\'s stage only, and read and delete connection items only', () => {
    const fanOut = statementsOf(STREAM_CONSUMERS[0].id);
    const manage = fanOut.filter((statement) => statement.Action === 'execute-api:ManageConnections');
    expect(manage).toHaveLength(1);
    expect(text(manage[0].Resource)).toContain(`/${WEBSOCKET_STAGE_NAME}/POST/@connections/*`);
    expect(text(manage[0].Resource)).toContain(logicalId(stack.messaging.webSocket.api));
    const table = fanOut.filter((statement) => String(statement.Action).startsWith('dynamodb:') || (Array.isArray(statement.Action) && statement.Action.some((action) => action.startsWith('dynamodb:Query'))));
    const itemAccess = table.find((statement) => text(statement.Action).includes('dynamodb:Query'))!;
    expect(itemAccess.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CUSTOMER#*#LIVE'] } });
    expect(actions([itemAccess])).toEqual(['dynamodb:DeleteItem', 'dynamodb:Query']);
    // The stream read CDK adds for the event source, and nothing else on the table (no PutItem, no Scan).
    expect(actions(fanOut).filter((action) => action.startsWith('dynamodb:'))).toEqual(
      ['dynamodb:DeleteItem', 'dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams', 'dynamodb:Query'].sort(),
    );
  });

  it('gives $connect PutItem and $disconnect DeleteItem on connection items only, $default nothing, the authorizer the public keys and the account', () => {
    expect(actions(statementsOf(WEBSOCKET_HANDLERS.connect.id))).toEqual(['dynamodb:PutItem']);
    expect(statementsOf(WEBSOCKET_HANDLERS.connect.id)[0].Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CUSTOMER#*#LIVE'] } });
    expect(actions(statementsOf(WEBSOCKET_HANDLERS.disconnect.id))).toEqual(['dynamodb:DeleteItem']);
    expect(statementsOf(WEBSOCKET_HANDLERS.default.id)).toEqual([]);
    const authorizer = actions(statementsOf(WEBSOCKET_HANDLERS.authorizer.id));
    expect(authorizer).toContain('secretsmanager:GetSecretValue');
    expect(authorizer.filter((action) => action.startsWith('dynamodb:'))).not.toEqual(expect.arrayContaining(['dynamodb:PutItem']));
    // Verifies only: the private signing key's secret is never granted.
    expect(text(statementsOf(WEBSOCKET_HANDLERS.authorizer.id))).not.toContain('SigningKeySecret');
  });

  it('feeds every registry consumer from the messaging table stream: batches, bisect on error, item failures, retries, a failure queue', () => {
    nested.resourceCountIs('AWS::Lambda::EventSourceMapping', STREAM_CONSUMERS.length);
    nested.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('MessagingTable'), 'StreamArn'] },
      StartingPosition: 'LATEST',
      BatchSize: 100,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('FailedStreamBatches'), 'Arn'] } } },
    });
  });

  it('builds the @connections endpoint and the channels route\'s websocketUrl from the API id (never the main stack\'s stage)', () => {
    const fanOut = nested.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler', Description: Match.stringLikeRegexp('Messaging table stream') } });
    const variables = (Object.values(fanOut)[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables;
    expect(text(variables.MESSAGING_CONNECTIONS_URL)).toContain(logicalId(stack.messaging.webSocket.api));
    expect(text(variables.MESSAGING_CONNECTIONS_URL)).toContain(`/${WEBSOCKET_STAGE_NAME}`);
    const channels = nested.findResources('AWS::Lambda::Function', { Properties: { Description: 'GET /messaging/channels' } });
    expect(Object.keys(channels)).toEqual([Stack.of(channelsFunction).getLogicalId(channelsFunction.node.defaultChild as lambda.CfnFunction)]);
    const channelVariables = (Object.values(channels)[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables;
    expect(text(channelVariables.MESSAGING_WEBSOCKET_URL)).toMatch(/wss:\/\//);
    expect(text(channelVariables.MESSAGING_WEBSOCKET_URL)).toContain(logicalId(stack.messaging.webSocket.api));
  });

  it('acknowledges cdk-nag findings with reasons beside the API and the failure queue', () => {
    const reasons = (construct: IConstruct) =>
      Object.fromEntries(
        construct.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((entry) => Object.entries(entry.data as Record<string, string>)),
      );
    expect(JSON.stringify(reasons(stack.messaging.webSocket.api))).toMatch(/authorizer on \$connect only/);
    expect(JSON.stringify(reasons(stack.messaging.webSocket.failedBatches))).toMatch(/failure destination/);
  });
});

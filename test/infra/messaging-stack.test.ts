import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import cdkJson from '../../cdk.json';
import { ROUTES } from '../../lambdas/api/routes';
import { MESSAGING_TABLE_DESIGN } from '../../lambdas/repositories/messaging-table-design';
import { applyNagChecks } from '../../lib/nag';
import { StackProStack } from '../../lib/stackpro-stack';
import { statementsOfRole } from './iam-policies';

// One synth for the file; bundling skipped. cdk-nag runs over both templates (a finding throws at synth).
let stack: StackProStack;
let main: Template;
let nested: Template;
const messagingRoutes = ROUTES.filter((route) => route.stack === 'messaging');

beforeAll(() => {
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  stack = new StackProStack(app, 'StackPro');
  applyNagChecks(app);
  main = Template.fromStack(stack);
  nested = Template.fromStack(stack.messaging);
});

const logicalId = (construct: IConstruct) => Stack.of(construct).resolve((construct.node.defaultChild as CfnElement).logicalId) as string;

describe('the messaging nested stack', () => {
  it('holds the messaging table: pay per request, PITR, encrypted, retained, streaming new images, four conversation indexes', () => {
    nested.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        GlobalSecondaryIndexes: Object.values(MESSAGING_TABLE_DESIGN.conversationIndexes).map((index) =>
          Match.objectLike({ IndexName: index.indexName, KeySchema: [{ AttributeName: index.partitionKey, KeyType: 'HASH' }, { AttributeName: 'activityKey', KeyType: 'RANGE' }] }),
        ),
      }),
    });
    main.resourceCountIs('AWS::DynamoDB::Table', 1);
  });

  it('has the messaging routes\' functions, while their methods stay on the main stack\'s API', () => {
    for (const route of messagingRoutes) {
      const fn = stack.accountApi.routeFunctions[route.id]!;
      expect(Stack.of(fn)).toBe(stack.messaging);
      nested.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, Description: `${route.method} ${route.path}` });
    }
    const methods = Object.values(main.findResources('AWS::ApiGateway::Method', { Properties: { OperationName: Match.anyValue() } })) as { Properties: { OperationName: string; AuthorizationType: string } }[];
    for (const route of messagingRoutes) {
      expect(methods.find((method) => method.Properties.OperationName === route.id)?.Properties.AuthorizationType).toBe('CUSTOM');
    }
  });

  it('grants each route exactly its access: reads never Scan, only the send route may send, from the account\'s numbers', () => {
    for (const route of messagingRoutes) {
      const statements = statementsOfRole(nested, logicalId(stack.accountApi.routeFunctions[route.id]!.role!));
      const actions = statements.flatMap((statement) => [statement.Action].flat());
      expect(actions).not.toContain('dynamodb:Scan');
      expect(actions.includes('sms-voice:SendTextMessage')).toBe(route.access.includes('messaging:send'));
      expect(actions.includes('social-messaging:SendWhatsAppMessage')).toBe(route.access.includes('messaging:send'));
      expect(actions.includes('dynamodb:PutItem')).toBe(route.access.includes('messaging:write'));
    }
  });

  it('subscribes one inbound function to each encrypted, SSL-only topic End User Messaging may publish to', () => {
    nested.resourceCountIs('AWS::SNS::Topic', 2);
    nested.allResourcesProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    nested.resourceCountIs('AWS::SNS::Subscription', 2);
    nested.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish', Principal: { Service: 'sms-voice.amazonaws.com' } })]) },
    });
    nested.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish', Principal: { Service: 'social-messaging.amazonaws.com' } })]) },
    });
    nested.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('keeps the main stack within its resource budget', () => {
    expect(Object.keys(main.toJSON().Resources).length).toBeLessThanOrEqual(470);
    expect(Object.keys(nested.toJSON().Resources).length).toBeLessThan(200);
  });
});

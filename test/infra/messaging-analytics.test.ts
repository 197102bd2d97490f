import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { MessagingAnalytics, ANALYTICS_LEADING_KEYS } from '../../lib/messaging-analytics';
import { MessagingTable } from '../../lib/messaging-table';
import { applyNagChecks } from '../../lib/nag';
import { messagingKeys } from '../../lambdas/repositories/messaging-keys';
import { statementsOfRole } from './iam-policies';

// The construct on a bare stack with the real messaging table: the full stack's test proves MessagingStack holds it.
let app: App;
let stack: Stack;
let template: Template;
let analytics: MessagingAnalytics;
let nag: ReturnType<typeof applyNagChecks>;

beforeAll(() => {
  app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  stack = new Stack(app, 'Analytics');
  const table = new MessagingTable(stack, 'MessagingTable');
  analytics = new MessagingAnalytics(stack, 'Analytics', { table: table.table });
  nag = applyNagChecks(app);
  template = Template.fromStack(stack);
});

const roleId = () => stack.getLogicalId(analytics.function.role!.node.defaultChild as never);

describe('MessagingAnalytics', () => {
  it('consumes the messaging stream in batches, bisecting on error, with bounded retries and a failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('MessagingTable'), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 86_400,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('FailureQueue'), 'Arn'] } } },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ dynamodb: { NewImage: { type: { S: ['message', 'conversation'] } } } }) }] },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Architectures: ['arm64'], Environment: { Variables: Match.objectLike({ MESSAGING_TABLE_NAME: Match.anyValue() }) } });
  });

  it('may write analytics items only, read nothing from the table, and read the stream', () => {
    const statements = statementsOfRole(template, roleId());
    const tableWrites = statements.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('dynamodb:') && /Item$/.test(action)));
    expect(tableWrites).toHaveLength(1);
    expect([tableWrites[0]!.Action].flat().sort()).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(tableWrites[0]!.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...ANALYTICS_LEADING_KEYS] } });
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'sqs:SendMessage']));
    for (const forbidden of ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:DeleteItem']) expect(actions).not.toContain(forbidden);
  });

  it('the leading-keys patterns match the analytics keys and no conversation, message or routing key', () => {
    const like = (pattern: string) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    const allowed = (pk: string) => ANALYTICS_LEADING_KEYS.some((pattern) => like(pattern).test(pk));
    expect(allowed(messagingKeys.analyticsDay('c1', 'sms', '2026-12-01').pk)).toBe(true);
    expect(allowed(messagingKeys.analyticsFact('c1', 'MSG#cv_x#m1').pk)).toBe(true);
    for (const pk of [messagingKeys.conversation('c1', 'cv_x').pk, messagingKeys.channels('c1').pk, messagingKeys.providerMessage('c1', 'sms', 'p1').pk, messagingKeys.route('sms', '+15550100').pk]) {
      expect([pk, allowed(pk)]).toEqual([pk, false]);
    }
  });

  it('is cdk-nag AwsSolutions clean', () => {
    const report = nag.validateScope(stack);
    expect(report.violations.map((violation) => `${violation.ruleName}: ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });
});

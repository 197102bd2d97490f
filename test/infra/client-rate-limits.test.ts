import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AUTH_RATE_LIMITED_PATHS, CLIENT_RATE_RULES, RATE_LIMITED } from '../../lambdas/api/client-rate-limits';
import { gatewayErrorBody } from '../../lambdas/api/gateway-responses';
import { ClientRateLimits } from '../../lib/client-rate-limits';

// A bare stage is enough to pin the web ACL; the full stack's test proves it is attached to the real one.
const ORIGIN = 'https://app.stackpro.test';
let template: Template;
type Rule = {
  Name: string;
  Priority: number;
  Action: { Block: { CustomResponse: { ResponseCode: number; CustomResponseBodyKey: string; ResponseHeaders: { Name: string; Value: string }[] } } };
  Statement: { RateBasedStatement: { Limit: number; EvaluationWindowSec: number; AggregateKeyType: string; ScopeDownStatement?: unknown } };
};
let rules: Rule[];
/** The stage's logical id: `Ref` of a stage is its name, so the rule follows whatever the stage is called. */
let stageRef: { Ref: string };

beforeAll(() => {
  const stack = new Stack(new App(), 'RateLimits');
  const api = new apigw.RestApi(stack, 'Api', { deployOptions: { stageName: 'v1' } });
  api.root.addMethod('GET', new apigw.MockIntegration());
  new ClientRateLimits(stack, 'ClientRateLimits', { stage: api.deploymentStage, frontendOrigin: ORIGIN });
  template = Template.fromStack(stack);
  stageRef = { Ref: stack.getLogicalId(api.deploymentStage.node.defaultChild as CfnElement) };
  const [acl] = Object.values(template.findResources('AWS::WAFv2::WebACL')) as { Properties: { Rules: Rule[] } }[];
  rules = acl.Properties.Rules;
});

describe('ClientRateLimits', () => {
  it('is a regional web ACL that allows by default and is associated with the stage', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true, MetricName: 'StackProAccountApi' },
    });
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('/stages/'), stageRef])]) }),
    });
  });

  it('pins the rules: auth routes first and tighter, then every route, per client IP', () => {
    expect(rules.map((rule) => [rule.Name, rule.Priority, rule.Statement.RateBasedStatement.Limit, rule.Statement.RateBasedStatement.EvaluationWindowSec])).toEqual([
      ['AuthRoutesPerClientIp', 0, 100, 300],
      ['AllRoutesPerClientIp', 1, 1500, 300],
    ]);
    expect(rules.map((rule) => rule.Statement.RateBasedStatement.AggregateKeyType)).toEqual(['IP', 'IP']);
    // The shared definition is what the local adapter enforces too.
    expect(rules.map((rule) => rule.Statement.RateBasedStatement.Limit)).toEqual(CLIENT_RATE_RULES.map((rule) => rule.limit));
  });

  it('scopes the auth rule to exactly the auth routes under the stage, decoded and normalised', () => {
    const scope = rules[0].Statement.RateBasedStatement.ScopeDownStatement as { OrStatement: { Statements: { ByteMatchStatement: Record<string, unknown> }[] } };
    const matches = scope.OrStatement.Statements.map((statement) => statement.ByteMatchStatement);
    expect(matches.map((match) => match.SearchString)).toEqual(AUTH_RATE_LIMITED_PATHS.map((path) => ({ 'Fn::Join': ['', ['/', stageRef, path]] })));
    expect(AUTH_RATE_LIMITED_PATHS).toEqual(
      expect.arrayContaining(['/auth/signup', '/auth/login', '/auth/refresh', '/auth/password-reset', '/auth/resend-verification', '/auth/verify-email']),
    );
    for (const match of matches) {
      expect(match).toMatchObject({
        FieldToMatch: { UriPath: {} },
        PositionalConstraint: 'STARTS_WITH',
        TextTransformations: [
          { Priority: 0, Type: 'URL_DECODE' },
          { Priority: 1, Type: 'NORMALIZE_PATH' },
        ],
      });
    }
    expect(rules[1].Statement.RateBasedStatement.ScopeDownStatement).toBeUndefined();
  });

  it('refuses with 429 TOO_MANY_REQUESTS in our error shape, with Retry-After and the CORS origin', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      CustomResponseBodies: { TooManyRequests: { ContentType: 'APPLICATION_JSON', Content: gatewayErrorBody(RATE_LIMITED) } },
    });
    for (const rule of rules) {
      expect(rule.Action.Block.CustomResponse).toEqual({
        ResponseCode: 429,
        CustomResponseBodyKey: 'TooManyRequests',
        ResponseHeaders: [
          { Name: 'Retry-After', Value: '300' },
          { Name: 'Access-Control-Allow-Origin', Value: ORIGIN },
        ],
      });
    }
  });
});

import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { CLIENT_RATE_RULES, RATE_LIMITED, type ClientRateRule } from '../lambdas/api/client-rate-limits';
import { gatewayErrorBody } from '../lambdas/api/gateway-responses';

export interface ClientRateLimitsProps {
  /** The API stage the web ACL guards; rule paths are matched under `/<stageName>`. */
  readonly stage: apigw.Stage;
  /** Sent as Access-Control-Allow-Origin on a refusal, so the frontend can read it. */
  readonly frontendOrigin: string;
  /**
   * The rules; tests may pass others.
   * @default CLIENT_RATE_RULES (lambdas/api/client-rate-limits.ts, shared with the local adapter)
   */
  readonly rules?: readonly ClientRateRule[];
}

const BODY_KEY = 'TooManyRequests';

/**
 * An AWS WAF web ACL on the API stage with one rate-based rule per client rule: requests are counted per
 * client IP over the rule's window and, above its limit, refused with 429 TOO_MANY_REQUESTS and
 * Retry-After before they reach API Gateway or a Lambda. Everything else is allowed.
 */
export class ClientRateLimits extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: ClientRateLimitsProps) {
    super(scope, id);
    const rules = props.rules ?? CLIENT_RATE_RULES;
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: 'stackpro-account-api',
      description: 'Per-client-IP rate limits for the StackPro account API, tighter on sign-up, log-in, refresh and password reset',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      customResponseBodies: { [BODY_KEY]: { contentType: 'APPLICATION_JSON', content: gatewayErrorBody(RATE_LIMITED) } },
      rules: rules.map((rule, priority) => this.rateRule(rule, priority, `/${props.stage.stageName}`, props.frontendOrigin)),
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'StackProAccountApi', sampledRequestsEnabled: true },
    });
    new wafv2.CfnWebACLAssociation(this, 'StageAssociation', {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }

  private rateRule(rule: ClientRateRule, priority: number, stagePrefix: string, origin: string): wafv2.CfnWebACL.RuleProperty {
    const scopeDown = rule.pathPrefixes?.map((prefix) => pathStartsWith(`${stagePrefix}${prefix}`));
    return {
      name: rule.name,
      priority,
      action: {
        block: {
          customResponse: {
            responseCode: RATE_LIMITED.statusCode,
            customResponseBodyKey: BODY_KEY,
            responseHeaders: [
              // WAF lifts a block once the rate over the window drops, so the window is the honest upper bound.
              { name: 'Retry-After', value: String(rule.windowSeconds) },
              { name: 'Access-Control-Allow-Origin', value: origin },
            ],
          },
        },
      },
      statement: {
        rateBasedStatement: {
          limit: rule.limit,
          evaluationWindowSec: rule.windowSeconds,
          aggregateKeyType: 'IP',
          ...(scopeDown === undefined
            ? {}
            : { scopeDownStatement: scopeDown.length === 1 ? scopeDown[0] : { orStatement: { statements: scopeDown } } }),
        },
      },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: rule.name, sampledRequestsEnabled: true },
    };
  }
}

/** The URI path, percent-decoded and normalised (no `//` or `/./` tricks), starts with `prefix`. */
function pathStartsWith(prefix: string): wafv2.CfnWebACL.StatementProperty {
  return {
    byteMatchStatement: {
      fieldToMatch: { uriPath: {} },
      positionalConstraint: 'STARTS_WITH',
      searchString: prefix,
      textTransformations: [
        { priority: 0, type: 'URL_DECODE' },
        { priority: 1, type: 'NORMALIZE_PATH' },
      ],
    },
  };
}

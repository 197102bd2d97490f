import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent, Context } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../local-env';
import { LOCAL_API_ID, LOCAL_STAGE } from './proxy-event';

export type AuthorizerOutcome =
  | { readonly kind: 'allow'; readonly context: Record<string, string | null> & { principalId: string } }
  /** The authorizer said no (its Deny policy): API Gateway's ACCESS_DENIED, 403. */
  | { readonly kind: 'deny' }
  /** No token, or the authorizer threw `Unauthorized`: API Gateway's UNAUTHORIZED, 401. */
  | { readonly kind: 'unauthorized' }
  /** The authorizer failed or returned nonsense: API Gateway answers 500. */
  | { readonly kind: 'error'; readonly error: unknown };

export type TokenAuthorizer = (event: APIGatewayTokenAuthorizerEvent, context: Context) => unknown;

/** The ARN API Gateway puts in the authorizer event and matches the returned policy against. */
export function methodArn(method: string, path: string): string {
  return `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${LOCAL_API_ID}/${LOCAL_STAGE}/${method}${path}`;
}

/**
 * Runs a TOKEN authorizer the way API Gateway does: no Authorization header means 401 without calling
 * it; `Error('Unauthorized')` means 401; otherwise its policy must allow `execute-api:Invoke` on the
 * method ARN. Context values reach the handler as strings, as API Gateway converts them.
 */
export async function runTokenAuthorizer(
  authorizer: TokenAuthorizer,
  token: string | undefined,
  arn: string,
  context: Context,
): Promise<AuthorizerOutcome> {
  if (!token) return { kind: 'unauthorized' };
  let result: unknown;
  try {
    result = await authorizer({ type: 'TOKEN', authorizationToken: token, methodArn: arn }, context);
  } catch (error) {
    if (error instanceof Error && error.message === 'Unauthorized') return { kind: 'unauthorized' };
    return { kind: 'error', error };
  }
  if (!isAuthorizerResult(result)) {
    return { kind: 'error', error: new Error(`Authorizer returned no principalId and policyDocument: ${JSON.stringify(result)}`) };
  }
  if (evaluatePolicy(result.policyDocument, arn) !== 'Allow') return { kind: 'deny' };
  const stringified = Object.fromEntries(
    Object.entries(result.context ?? {}).map(([key, value]) => [key, value === null || value === undefined ? null : String(value)]),
  );
  return { kind: 'allow', context: { ...stringified, principalId: result.principalId } };
}

function isAuthorizerResult(value: unknown): value is APIGatewayAuthorizerResult {
  const candidate = value as Partial<APIGatewayAuthorizerResult> | undefined;
  return typeof candidate?.principalId === 'string' && Array.isArray(candidate.policyDocument?.Statement);
}

/** IAM evaluation, reduced to what authorizer policies use: an explicit Deny wins, else an Allow is needed. */
export function evaluatePolicy(policy: APIGatewayAuthorizerResult['policyDocument'], arn: string): 'Allow' | 'Deny' {
  let allowed = false;
  for (const statement of policy.Statement) {
    const actions = toList((statement as { Action?: string | string[] }).Action);
    const resources = toList((statement as { Resource?: string | string[] }).Resource);
    const applies =
      actions.some((action) => wildcardMatch(action, 'execute-api:Invoke', true)) &&
      resources.some((resource) => wildcardMatch(resource, arn));
    if (!applies) continue;
    if (statement.Effect === 'Deny') return 'Deny';
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed ? 'Allow' : 'Deny';
}

function toList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** IAM wildcards: `*` any run of characters, `?` one character. Actions ignore case, ARNs do not. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, ignoreCase ? 'i' : '').test(value);
}

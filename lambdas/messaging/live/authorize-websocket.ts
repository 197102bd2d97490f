import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { getVerificationKeys } from '../../clients/verification-key';
import { PLANS } from '../../core/plans';
import { annotateTrace, logger, traceHandler } from '../../observability';
import { getCustomer } from '../../repositories/accounts';
import { verifyStaffToken, verifyVisitorToken, type LiveIdentity } from './live-tokens';

/**
 * The WebSocket API's `$connect` REQUEST authorizer. `?token=` (a staff access token) or `?visitorToken=`
 * (a widget visitor token), never both. A missing, forged or expired token throws 'Unauthorized' (API
 * Gateway answers 401); a valid token of an account without messaging (starter, unverified, gone) gets a
 * Deny (403). The identity goes to every route of the connection as `requestContext.authorizer`.
 */
export const handler = (event: APIGatewayRequestAuthorizerEvent, context?: Context): Promise<APIGatewayAuthorizerResult> =>
  traceHandler('authorize-websocket', {}, () => authorize(event), context);

const TOKEN_PATTERN = /^[A-Za-z0-9._~+/-]+=*$/;

async function authorize(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const query = event.queryStringParameters ?? {};
  const staffToken = query.token;
  const visitorToken = query.visitorToken;
  const token = staffToken ?? visitorToken;
  if (!token || (staffToken && visitorToken) || token.length > 4096 || !TOKEN_PATTERN.test(token)) throw new Error('Unauthorized');
  // Outside the try: keys we cannot load are our outage (API Gateway answers 500), not the caller's fault.
  const keys = await getVerificationKeys(token);
  let identity: LiveIdentity;
  try {
    identity = staffToken ? await verifyStaffToken(token, keys) : await verifyVisitorToken(token, keys);
  } catch (error) {
    logger.info('WebSocket token refused', { reason: (error as Error).name, kind: staffToken ? 'staff' : 'visitor' });
    throw new Error('Unauthorized', { cause: error });
  }
  annotateTrace({ customerId: identity.customerId });
  const customer = await getCustomer(identity.customerId, { consistent: true });
  const allowed = customer !== undefined && customer.status !== 'pending_verification' && PLANS[customer.plan].messaging;
  if (!allowed) logger.info('WebSocket connection denied: no messaging on this account', { customerId: identity.customerId, kind: identity.kind });
  return {
    principalId: identity.kind === 'staff' ? identity.customerId : `visitor:${identity.visitorId}`,
    policyDocument: {
      Version: '2012-10-17',
      // $connect only: a WebSocket authorizer guards nothing else.
      Statement: [{ Action: 'execute-api:Invoke', Effect: allowed ? 'Allow' : 'Deny', Resource: event.methodArn }],
    },
    // Strings only (API Gateway's rule for the context); the connection's routes read them back.
    context:
      identity.kind === 'staff'
        ? { customerId: identity.customerId, kind: 'staff' }
        : { customerId: identity.customerId, kind: 'visitor', visitorId: identity.visitorId, conversationId: identity.conversationId },
  };
}

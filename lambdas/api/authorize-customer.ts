import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent, Context } from 'aws-lambda';
import { getVerificationKeys } from '../clients/verification-key';
import { annotateTrace, logger, traceHandler } from '../observability';
import { verifiedCustomerId } from './verified-tokens';

/**
 * The API's TOKEN authorizer: lets a request through when it carries a valid access token and tells the
 * handler whose it is (`requestContext.authorizer.customerId`). Handlers still check that the resource
 * belongs to that customer. Throwing 'Unauthorized' makes API Gateway answer 401.
 */
export const handler = (event: APIGatewayTokenAuthorizerEvent, context?: Context): Promise<APIGatewayAuthorizerResult> =>
  traceHandler('authorize-customer', {}, () => authorize(event), context);

async function authorize(event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(event.authorizationToken?.trim() ?? '');
  if (!match) throw new Error('Unauthorized');
  // Outside the try: keys we cannot load are our outage (API Gateway answers 500), not the caller's fault.
  const keys = await getVerificationKeys(match[1]);
  let customerId: string;
  try {
    customerId = await verifiedCustomerId(match[1], keys);
  } catch (error) {
    logger.info('Access token refused', { reason: (error as Error).name });
    // API Gateway matches this exact message to answer 401; the cause stays out of the response.
    throw new Error('Unauthorized', { cause: error });
  }
  annotateTrace({ customerId });
  return {
    principalId: customerId,
    policyDocument: {
      Version: '2012-10-17',
      // Any route of this API and stage: the result is not cached, and handlers check resource ownership.
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: apiWildcard(event.methodArn) }],
    },
    context: { customerId },
  };
}

/** `arn:aws:execute-api:region:account:apiId/stage/METHOD/path` -> `.../apiId/stage/*` */
function apiWildcard(methodArn: string): string {
  const [apiArn, stage] = methodArn.split('/');
  return `${apiArn}/${stage}/*`;
}

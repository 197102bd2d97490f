import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type { Construct } from 'constructs';
import { CUSTOMER_AUTHORIZER_HANDLER } from '../lambdas/api/routes';
import type { SigningKey } from './signing-key';
import { StackProFunction } from './stackpro-function';

/** The JWT Lambda authorizer of `customer` routes: its function and API Gateway's authorizer. */
export interface CustomerAuthorizer {
  readonly fn: StackProFunction;
  readonly authorizer: apigw.TokenAuthorizer;
}

/**
 * Children `AuthorizeCustomer` (the function) and `CustomerAuthorizer` of `scope` (the AccountApi): verifies
 * customer access tokens with the public keys only, so it can never sign one. A function, not a construct
 * of its own, so the construct paths (and logical ids) stay as they were.
 */
export function createCustomerAuthorizer(scope: Construct, signingKey: SigningKey): CustomerAuthorizer {
  const fn = new StackProFunction(scope, 'AuthorizeCustomer', {
    handler: CUSTOMER_AUTHORIZER_HANDLER,
    description: 'Verifies customer access tokens (ES256 JWT) for the account API',
    // The public keys only: the authorizer can verify tokens but never sign one.
    environment: { JWT_PUBLIC_KEYS_SECRET_ID: signingKey.publicKeys.secretArn },
  });
  signingKey.grantReadPublicKeys(fn);
  const authorizer = new apigw.TokenAuthorizer(scope, 'CustomerAuthorizer', {
    handler: fn,
    identitySource: apigw.IdentitySource.header('Authorization'),
    // No caching: an expired or revoked token is refused on the very next request.
    resultsCacheTtl: Duration.seconds(0),
  });
  return { fn, authorizer };
}

import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { secretsManager } from './secrets-manager';

/**
 * Powertools' cached secret reader (what `getSecret` does) on our traced Secrets Manager client, so each
 * GetSecretValue shows in X-Ray under the invocation like every other SDK call (getSecret makes its own,
 * untraced client). Created once per Lambda container.
 */
export const secrets = new SecretsProvider({ awsSdkV3Client: secretsManager });

import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Created once per Lambda container; reaches a local endpoint through AWS_ENDPOINT_URL_SECRETS_MANAGER. */
export const secretsManager = new SecretsManagerClient({});

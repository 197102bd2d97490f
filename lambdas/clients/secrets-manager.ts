import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { tracer } from '../tracer';

/** Created once per Lambda container and traced in X-Ray; reaches a local endpoint through AWS_ENDPOINT_URL_SECRETS_MANAGER. */
export const secretsManager = tracer.captureAWSv3Client(new SecretsManagerClient({}));

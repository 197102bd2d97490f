import { BackupClient } from '@aws-sdk/client-backup';
import { tracer } from '../observability';

/** Created once per Lambda container and traced in X-Ray; reaches a local endpoint through AWS_ENDPOINT_URL_BACKUP. */
export const backup = tracer.captureAWSv3Client(new BackupClient({}));

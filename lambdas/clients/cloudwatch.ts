import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { tracer } from '../observability';

/** Created once per Lambda container and traced in X-Ray; reaches a local endpoint through AWS_ENDPOINT_URL_CLOUDWATCH. */
export const cloudWatch = tracer.captureAWSv3Client(new CloudWatchClient({}));

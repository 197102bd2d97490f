import { SSMClient } from '@aws-sdk/client-ssm';
import { tracer } from '../tracer';

/** Created once per Lambda container and traced in X-Ray; reaches a local endpoint through AWS_ENDPOINT_URL_SSM. */
export const ssm = tracer.captureAWSv3Client(new SSMClient({}));

import { EC2Client } from '@aws-sdk/client-ec2';
import { tracer } from '../tracer';

/** Created once per Lambda container and traced in X-Ray; reaches a local endpoint through AWS_ENDPOINT_URL_EC2. */
export const ec2 = tracer.captureAWSv3Client(new EC2Client({}));

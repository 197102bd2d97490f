import { SESv2Client } from '@aws-sdk/client-sesv2';
import { tracer } from '../tracer';

/** Created once per Lambda container and traced in X-Ray; reaches a local endpoint through AWS_ENDPOINT_URL_SESV2. */
export const sesv2 = tracer.captureAWSv3Client(new SESv2Client({}));

import { SFNClient } from '@aws-sdk/client-sfn';
import { tracer } from '../tracer';

/** Created once per Lambda container and traced in X-Ray; reaches a local endpoint through AWS_ENDPOINT_URL_SFN. */
export const stepFunctions = tracer.captureAWSv3Client(new SFNClient({}));

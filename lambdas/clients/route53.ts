import { Route53Client } from '@aws-sdk/client-route-53';
import { tracer } from '../tracer';

/** Created once per Lambda container and traced in X-Ray; reaches a local endpoint through AWS_ENDPOINT_URL_ROUTE_53. */
export const route53 = tracer.captureAWSv3Client(new Route53Client({}));

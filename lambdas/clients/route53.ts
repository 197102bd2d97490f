import { Route53Client } from '@aws-sdk/client-route-53';

/** Created once per Lambda container; reaches a local endpoint through AWS_ENDPOINT_URL_ROUTE_53. */
export const route53 = new Route53Client({});

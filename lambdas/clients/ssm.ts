import { SSMClient } from '@aws-sdk/client-ssm';

/** Created once per Lambda container; reaches a local endpoint through AWS_ENDPOINT_URL_SSM. */
export const ssm = new SSMClient({});

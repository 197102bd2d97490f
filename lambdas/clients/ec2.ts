import { EC2Client } from '@aws-sdk/client-ec2';

/** Created once per Lambda container; reaches a local endpoint through AWS_ENDPOINT_URL_EC2. */
export const ec2 = new EC2Client({});

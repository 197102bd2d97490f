import { SESv2Client } from '@aws-sdk/client-sesv2';

/** Created once per Lambda container; reaches a local endpoint through AWS_ENDPOINT_URL_SESV2. */
export const sesv2 = new SESv2Client({});

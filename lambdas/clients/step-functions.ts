import { SFNClient } from '@aws-sdk/client-sfn';

/** Created once per Lambda container; reaches a local endpoint through AWS_ENDPOINT_URL_SFN. */
export const stepFunctions = new SFNClient({});

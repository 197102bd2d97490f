import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '../tracer';

/**
 * Created once per Lambda container; reaches a local endpoint through AWS_ENDPOINT_URL_DYNAMODB; traced in
 * X-Ray. Powertools Idempotency sends through it (repositories/idempotency-records.ts).
 */
export const dynamodbClient = tracer.captureAWSv3Client(new DynamoDBClient({}));

/** The document client most repositories use; it sends through `dynamodbClient`. */
export const dynamodb = DynamoDBDocumentClient.from(dynamodbClient, {
  marshallOptions: { removeUndefinedValues: true },
});

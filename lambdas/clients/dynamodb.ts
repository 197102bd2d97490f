import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '../tracer';

/**
 * Created once per Lambda container; reaches a local endpoint through AWS_ENDPOINT_URL_DYNAMODB. The
 * underlying client is traced in X-Ray (the document client sends through it).
 */
export const dynamodb = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
  marshallOptions: { removeUndefinedValues: true },
});

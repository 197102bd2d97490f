import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { dynamodbClient } from '../clients/dynamodb';
import { config } from '../config';

/**
 * Where Powertools Idempotency keeps its records: in the single table, one partition per use (`partition`,
 * a key from keys.ts), each record under sk `<keyPrefix>#<hash of its idempotency key>`, removed by the
 * table's TTL once expired. Its other attributes: `status` (INPROGRESS/COMPLETED), `data` (the stored
 * result) and `in_progress_expiration` (epoch ms when an unfinished attempt counts as crashed).
 */
export function idempotencyRecords(partition: string): DynamoDBPersistenceLayer {
  return new DynamoDBPersistenceLayer({
    tableName: config.tableName(),
    keyAttr: 'pk',
    sortKeyAttr: 'sk',
    staticPkValue: partition,
    expiryAttr: 'ttl',
    awsSdkV3Client: dynamodbClient,
  });
}

/**
 * The single table's key design, shared by the CDK table construct and the local stack's table
 * creation so both build the same table. Item types and access patterns: see README "Data model".
 */
export const TABLE_DESIGN = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB deletes expired login counters and spent refresh tokens. */
  timeToLiveAttribute: 'ttl',
} as const;

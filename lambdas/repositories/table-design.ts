/**
 * The single table's key design, shared by the CDK table construct and the local stack's table
 * creation so both build the same table. Item types and access patterns: see README "Data model".
 */
export const TABLE_DESIGN = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB deletes expired login counters and spent refresh tokens. */
  timeToLiveAttribute: 'ttl',
  /**
   * Sparse index of unverified accounts by when they are abandoned: only `pending_verification` profiles
   * carry its keys (verification removes them), so the clean-up Queries it instead of scanning the table.
   */
  pendingVerificationIndex: {
    indexName: 'PendingVerification',
    /** Always `PENDING`: few items, all of them wanted by one Query ordered by expiry. */
    partitionKey: 'pendingIndexPk',
    /** Epoch ms (number). */
    sortKey: 'pendingExpiresAt',
  },
} as const;

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
  /**
   * Customer profiles by status, newest first: the operators' list (`GET /admin/customers`). Keyed on the
   * profile's own `status` and `createdAt`, which only profiles carry together (workflow steps have a
   * status but no createdAt), so nothing is backfilled and every status change moves the entry. The list's
   * fields are projected, so a page is one Query. One partition per status takes about 1,000 writes a
   * second, far above our signup and lifecycle rate.
   */
  customersByStatusIndex: {
    indexName: 'CustomersByStatus',
    partitionKey: 'status',
    /** ISO 8601 (string). */
    sortKey: 'createdAt',
    projected: ['customerId', 'email', 'company', 'plan', 'subdomain'],
  },
} as const;

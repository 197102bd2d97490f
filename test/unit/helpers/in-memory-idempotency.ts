import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import { IdempotencyItemAlreadyExistsError, IdempotencyItemNotFoundError, IdempotencyRecordStatus } from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';

/**
 * Powertools Idempotency's persistence in memory, with the same conditional put as the DynamoDB layer
 * (a record may be taken only when absent, expired, or in progress past its in-progress expiry). Handler
 * tests mock repositories/idempotency-records.ts with it; the real layer is tested against DynamoDB Local
 * (test/unit/repositories/idempotency-records.test.ts).
 */
export class InMemoryIdempotency extends BasePersistenceLayer {
  readonly records = new Map<string, IdempotencyRecord>();
  /** The idempotency keys (the `eventKeyJmesPath` value of each payload) a record was asked for. */
  readonly keys = new Set<unknown>();

  constructor(private readonly keyPath: string) {
    super();
  }

  clear(): void {
    this.records.clear();
    this.keys.clear();
  }

  protected override getHashedIdempotencyKey(data: JSONValue): string {
    this.keys.add((data as Record<string, unknown> | null)?.[this.keyPath]);
    return super.getHashedIdempotencyKey(data);
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const existing = this.records.get(record.idempotencyKey);
    const nowMs = Date.now();
    const takeable =
      existing === undefined ||
      (existing.expiryTimestamp ?? Infinity) < nowMs / 1000 ||
      (existing.getStatus() === IdempotencyRecordStatus.INPROGRESS && existing.inProgressExpiryTimestamp !== undefined && existing.inProgressExpiryTimestamp < nowMs);
    if (!takeable) throw new IdempotencyItemAlreadyExistsError(`Record exists: ${record.idempotencyKey}`, existing);
    this.records.set(record.idempotencyKey, record);
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const record = this.records.get(idempotencyKey);
    if (!record) throw new IdempotencyItemNotFoundError();
    return record;
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    this.records.set(record.idempotencyKey, record);
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.records.delete(record.idempotencyKey);
  }

  /** The statuses of the records, e.g. ['COMPLETED']. */
  statuses(): string[] {
    return [...this.records.values()].map((record) => record.getStatus());
  }
}

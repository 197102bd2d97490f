import { randomUUID } from 'node:crypto';
import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../../../lambdas/clients/dynamodb';
import { config } from '../../../lambdas/config';
import { idempotencyRecords } from '../../../lambdas/repositories/idempotency-records';
import { lambdaContext } from '../helpers/events';

/**
 * Powertools Idempotency's records in our single table, against DynamoDB Local: the key layout, the TTL
 * attribute, and the four answers it must give (first, duplicate, concurrent, failed or crashed attempt).
 * Each test has a partition of its own, so the tests share the table and run in parallel.
 */
const DAY_SECONDS = 24 * 3600;

function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** `work` made idempotent by `payload.id`, in a fresh partition, as the Stripe webhook uses it. */
function once<R>(work: (payload: { id: string }) => Promise<R>) {
  const partition = `TEST#${randomUUID()}`;
  const idempotency = new IdempotencyConfig({ eventKeyJmesPath: 'id', throwOnNoIdempotencyKey: true, expiresAfterSeconds: DAY_SECONDS });
  idempotency.registerLambdaContext({ ...lambdaContext, getRemainingTimeInMillis: () => 30_000 });
  const run = makeIdempotent(work, { persistenceStore: idempotencyRecords(partition), config: idempotency, keyPrefix: 'EVENT', dataIndexArgument: 0 });
  const records = async () =>
    (await dynamodb.send(new QueryCommand({ TableName: config.tableName(), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': partition } }))).Items ?? [];
  return { run, records, partition };
}

describe('idempotencyRecords: Powertools Idempotency in the single table', () => {
  it('records a completed call under the partition and key prefix, with its result and a TTL, and answers a repeat from it', async () => {
    const work = jest.fn(async (payload: { id: string }) => ({ applied: payload.id }));
    const { run, records, partition } = once(work);
    const before = Math.floor(Date.now() / 1000);

    expect(await run({ id: 'evt_1' })).toEqual({ applied: 'evt_1' });
    expect(await run({ id: 'evt_1' })).toEqual({ applied: 'evt_1' });

    expect(work).toHaveBeenCalledTimes(1);
    const [record] = await records();
    expect(record).toMatchObject({ pk: partition, sk: expect.stringMatching(/^EVENT#[A-Za-z0-9+/]{22}==$/), status: 'COMPLETED', data: { applied: 'evt_1' } });
    expect(record.ttl).toBeGreaterThanOrEqual(before + DAY_SECONDS);
    expect(record.ttl).toBeLessThanOrEqual(before + DAY_SECONDS + 5);
  });

  it('keeps different keys apart', async () => {
    const work = jest.fn(async (payload: { id: string }) => payload.id);
    const { run, records } = once(work);
    await run({ id: 'evt_a' });
    await run({ id: 'evt_b' });
    expect(work).toHaveBeenCalledTimes(2);
    expect(await records()).toHaveLength(2);
  });

  it('the burst: of the same call 20 times at once, one runs and the others are told it is in progress', async () => {
    const release = gate();
    const work = jest.fn(async () => {
      await release.opened;
      return 'done';
    });
    const { run, records } = once(work);
    const first = run({ id: 'evt_burst' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    while (work.mock.calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const others = await Promise.allSettled(Array.from({ length: 19 }, () => run({ id: 'evt_burst' })));
    release.open();

    expect(await first).toBe('done');
    expect(others.every((other) => other.status === 'rejected' && other.reason instanceof IdempotencyAlreadyInProgressError)).toBe(true);
    expect(work).toHaveBeenCalledTimes(1);
    expect((await records()).map((record) => record.status)).toEqual(['COMPLETED']);
  });

  it('the interrupted: a failed call leaves no record, so the retry runs', async () => {
    const work = jest.fn().mockRejectedValueOnce(new Error('down')).mockResolvedValueOnce('done');
    const { run, records } = once(work);
    await expect(run({ id: 'evt_retry' })).rejects.toThrow('down');
    expect(await records()).toEqual([]);
    expect(await run({ id: 'evt_retry' })).toBe('done');
    expect(work).toHaveBeenCalledTimes(2);
  });

  it('the abandoned: an attempt that crashed (its in-progress time is over) is taken over by the next', async () => {
    const never = gate();
    const work = jest.fn().mockImplementationOnce(async () => never.opened).mockResolvedValueOnce('done');
    const { run, records } = once(work);
    void run({ id: 'evt_crash' });
    while (work.mock.calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const [inProgress] = await records();
    expect(inProgress).toMatchObject({ status: 'INPROGRESS', in_progress_expiration: expect.any(Number) });
    // What time passing does to a crashed invocation's record: its Lambda would have timed out by now.
    await dynamodb.send(
      new UpdateCommand({
        TableName: config.tableName(),
        Key: { pk: inProgress.pk, sk: inProgress.sk },
        UpdateExpression: 'SET in_progress_expiration = :past',
        ExpressionAttributeValues: { ':past': Date.now() - 1 },
      }),
    );

    expect(await run({ id: 'evt_crash' })).toBe('done');
    expect((await records()).map((record) => record.status)).toEqual(['COMPLETED']);
  });

  it('the malformed: a payload without the key is refused before anything is recorded', async () => {
    const work = jest.fn(async () => 'done');
    const { run, records } = once(work);
    await expect(run({} as { id: string })).rejects.toMatchObject({ cause: { name: 'IdempotencyKeyError' } });
    expect(work).not.toHaveBeenCalled();
    expect(await records()).toEqual([]);
  });
});

import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/scheduled/remove-abandoned-signups';
import { lambdaContext } from '../helpers/events';

const ddb = mockClient(DynamoDBDocumentClient);

const RUN_AT = Date.parse('2026-12-09T10:00:00.000Z');
const abandoned = {
  customerId: 'cust-old',
  email: 'old@example.com',
  status: 'pending_verification',
  subdomain: 'old-co.customers.stackpro.test',
  pendingExpiresAt: RUN_AT - 1_000,
  signupSessionFamilyId: 'fam-1',
  signupRefreshTokenHash: 'rt-hash',
  verificationTokens: [{ hash: 'live', expiresAt: RUN_AT + 1_000 }],
};

const run = (time: string) => handler({ time } as never, lambdaContext);

function owners(email: string | undefined, slug: string | undefined) {
  ddb.on(GetCommand, { Key: { pk: 'EMAIL#old@example.com', sk: 'CREDENTIALS' } }).resolves({ Item: email ? { customerId: email } : undefined });
  ddb.on(GetCommand, { Key: { pk: 'SLUG#old-co', sk: 'SLUG' } }).resolves({ Item: slug ? { customerId: slug } : undefined });
}

beforeEach(() => {
  ddb.reset();
  ddb.on(QueryCommand).resolves({ Items: [{ pk: 'CUSTOMER#cust-old', sk: 'PROFILE' }] });
  ddb.on(GetCommand, { Key: { pk: 'CUSTOMER#cust-old', sk: 'PROFILE' } }).resolves({ Item: abandoned });
  ddb.on(TransactWriteCommand).resolves({});
});

describe('RemoveAbandonedSignups (scheduled)', () => {
  it("queries the sparse index up to the event's time and removes the account, its email, subdomain, session and tokens", async () => {
    owners('cust-old', 'cust-old');
    await expect(run('2026-12-09T10:00:00.000Z')).resolves.toEqual({ removed: 1, skipped: 0 });

    const query = ddb.commandCalls(QueryCommand)[0].args[0].input;
    expect(query).toMatchObject({ IndexName: 'PendingVerification', ExpressionAttributeValues: { ':pending': 'PENDING', ':now': RUN_AT } });
    expect(query.KeyConditionExpression).toBe('#pk = :pending AND #expires <= :now');
    const items = ddb.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems!.map((item) => item.Delete!);
    expect(items.map((item) => item.Key!.pk)).toEqual(['CUSTOMER#cust-old', 'EMAIL#old@example.com', 'SLUG#old-co', 'TOKENFAMILY#fam-1', 'REFRESH#rt-hash', 'VERIFY#live']);
    // Only if still pending and expired: a verification that lands first wins.
    expect(items[0].ConditionExpression).toBe('#status = :pending AND pendingExpiresAt <= :now');
    expect(items[1].ConditionExpression).toBe('customerId = :id');
    expect(items[2].ConditionExpression).toBe('customerId = :id');
  });

  it('leaves an email and subdomain a new signup already took over', async () => {
    owners('cust-new', 'cust-new');
    await run('2026-12-09T10:00:00.000Z');
    const keys = ddb.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems!.map((item) => item.Delete!.Key!.pk);
    expect(keys).not.toContain('EMAIL#old@example.com');
    expect(keys).not.toContain('SLUG#old-co');
    expect(keys).toContain('CUSTOMER#cust-old');
  });

  it('skips an account verified since the index was written (the index is eventually consistent)', async () => {
    ddb.on(GetCommand, { Key: { pk: 'CUSTOMER#cust-old', sk: 'PROFILE' } }).resolves({ Item: { ...abandoned, status: 'provisioning' } });
    await expect(run('2026-12-09T10:00:00.000Z')).resolves.toEqual({ removed: 0, skipped: 1 });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('leaves for the next run an account that changed between the read and the delete', async () => {
    owners('cust-old', 'cust-old');
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({ message: 'x', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] }),
    );
    await expect(run('2026-12-09T10:00:00.000Z')).resolves.toEqual({ removed: 0, skipped: 1 });
  });

  it('refuses an event without a valid time instead of guessing one', async () => {
    await expect(handler({ time: 'yesterday' } as never, lambdaContext)).rejects.toThrow();
    expect(ddb.calls()).toHaveLength(0);
  });
});

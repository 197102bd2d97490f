import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../../../lambdas/clients/dynamodb';
import { config } from '../../../lambdas/config';
import type { Customer } from '../../../lambdas/core/customer';
import { createAccount } from '../../../lambdas/repositories/accounts';
import { newSession, type NewSession } from '../../../lambdas/repositories/sessions';

/** Direct reads and writes of the shared DynamoDB Local table, to arrange and inspect what a repository did. */
type Key = { readonly pk: string; readonly sk: string };

export const getItem = async (key: Key) =>
  (await dynamodb.send(new GetCommand({ TableName: config.tableName(), Key: key, ConsistentRead: true }))).Item;

export const putItem = (item: Key & Record<string, unknown>) => dynamodb.send(new PutCommand({ TableName: config.tableName(), Item: item }));

/** Every item of one partition (the tests' partitions are small). */
export const partition = async (pk: string) =>
  (await dynamodb.send(new QueryCommand({ TableName: config.tableName(), KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true })))
    .Items ?? [];

export const uniqueEmail = () => `${randomUUID()}@example.com`;
export const uniqueSlug = () => `s${randomUUID().slice(0, 8)}`;

export interface PendingSignup {
  readonly customer: Customer;
  readonly slug: string;
  readonly session: NewSession;
  readonly tokenHash: string;
}

/**
 * An unverified account, created by the accounts repository as signup creates it (profile, credentials,
 * slug, session and first verification token), with ids of its own. `pendingExpiresAt` defaults to a day on.
 */
export async function pendingSignup(now: number, options: { pendingExpiresAt?: number; tokenExpiresAt?: number } = {}): Promise<PendingSignup> {
  const customerId = randomUUID();
  const slug = uniqueSlug();
  const pendingExpiresAt = options.pendingExpiresAt ?? now + 24 * 3600_000;
  const tokenHash = `hash-${randomUUID()}`;
  const session = newSession(now);
  const customer: Customer = {
    customerId,
    provisioningExecutionName: `provision-${customerId}-1`,
    email: uniqueEmail(),
    firstName: 'Ada',
    lastName: 'Lovelace',
    company: 'Analytical',
    plan: 'starter',
    status: 'pending_verification',
    subdomain: `${slug}.customers.example`,
    createdAt: new Date(now).toISOString(),
  };
  const verificationToken = { hash: tokenHash, expiresAt: options.tokenExpiresAt ?? pendingExpiresAt };
  await createAccount(customer, 'hash-1', slug, session, { verificationToken, pendingExpiresAt, now });
  return { customer: { ...customer, pendingExpiresAt, verificationTokens: [verificationToken] }, slug, session, tokenHash };
}

/**
 * For the burst tests (50 requests at once at one DynamoDB Local, on a 2-core CI machine busy with other
 * suites): conflicting transactions back off with jitter before they see the winner, which can take seconds.
 */
export const BURST_TIMEOUT_MS = 20_000;

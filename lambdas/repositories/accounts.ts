import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import type { Customer } from '../core/customer';
import { EmailTakenError } from '../core/errors';
import type { NewSession } from './sessions';
import { sessionPuts } from './sessions';
import { keys } from './keys';
import { TABLE_DESIGN } from './table-design';
import { PENDING_INDEX_PK, verificationTokenPut, type VerificationTokenRef } from './verification-tokens';
import { cancellationCodes, withConflictRetry } from './transactions';

/** Thrown when only the subdomain slug was taken, so the caller can try another. */
export class SlugTakenError extends Error {
  override readonly name = 'SlugTakenError';
}

interface CredentialsItem {
  readonly customerId: string;
  readonly passwordHash: string;
}

/** What signup stores besides the profile: the first verification token and when the account is abandoned. */
export interface PendingAccount {
  /** SHA-256 of the first verification token, and when it expires (epoch ms). */
  readonly verificationToken: VerificationTokenRef;
  /** Epoch ms: after this the email and subdomain may be taken by a new signup. */
  readonly pendingExpiresAt: number;
  /** The signup's own time (epoch ms), to decide whether an older pending account has expired. */
  readonly now: number;
}

/**
 * Creates the account in ONE transaction: profile, email uniqueness + credentials, slug uniqueness, the
 * first session and the first verification token. Either all of it exists or none does, and concurrent
 * signups for one email cannot both win (the email item's condition decides). An email or subdomain held
 * by an unverified account that has expired is taken over, even before the clean-up has removed it.
 */
export async function createAccount(customer: Customer, passwordHash: string, slug: string, session: NewSession, pending: PendingAccount): Promise<void> {
  const TableName = config.tableName();
  const notExists = 'attribute_not_exists(pk)';
  const freeOrAbandoned = {
    ConditionExpression: 'attribute_not_exists(pk) OR pendingExpiresAt < :now',
    ExpressionAttributeValues: { ':now': pending.now },
  };
  const held = { pendingExpiresAt: pending.pendingExpiresAt };
  try {
    await withConflictRetry(() =>
      dynamodb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName,
                Item: {
                  ...keys.customer(customer.customerId),
                  type: 'customer',
                  ...customer,
                  // The sparse PendingVerification index: removed again when the email is verified.
                  [TABLE_DESIGN.pendingVerificationIndex.partitionKey]: PENDING_INDEX_PK,
                  pendingExpiresAt: pending.pendingExpiresAt,
                  // What the clean-up removes with an abandoned account.
                  signupSessionFamilyId: session.familyId,
                  signupRefreshTokenHash: session.refreshTokenHash,
                  verificationTokens: [pending.verificationToken],
                },
                ConditionExpression: notExists,
              },
            },
            {
              Put: {
                TableName,
                Item: { ...keys.credentials(customer.email), type: 'credentials', customerId: customer.customerId, passwordHash, ...held },
                ...freeOrAbandoned,
              },
            },
            { Put: { TableName, Item: { ...keys.slug(slug), type: 'slug', customerId: customer.customerId, ...held }, ...freeOrAbandoned } },
            ...sessionPuts(TableName, customer.customerId, session),
            verificationTokenPut(TableName, customer.customerId, pending.verificationToken),
          ],
        }),
      ),
    );
  } catch (error) {
    const codes = cancellationCodes(error);
    if (codes?.[1] === 'ConditionalCheckFailed' || codes?.[1] === 'TransactionConflict') throw new EmailTakenError();
    if (codes?.[2] === 'ConditionalCheckFailed') throw new SlugTakenError(`slug ${slug} is taken`);
    throw error;
  }
}

export async function getCredentials(normalizedEmail: string): Promise<CredentialsItem | undefined> {
  const { Item } = await dynamodb.send(
    new GetCommand({ TableName: config.tableName(), Key: keys.credentials(normalizedEmail), ConsistentRead: true }),
  );
  return Item ? { customerId: Item.customerId as string, passwordHash: Item.passwordHash as string } : undefined;
}

/** `consistent`: read after a write that must be seen (the email-verification guard, verification itself). */
export async function getCustomer(customerId: string, options: { consistent?: boolean } = {}): Promise<Customer | undefined> {
  const { Item } = await dynamodb.send(
    new GetCommand({ TableName: config.tableName(), Key: keys.customer(customerId), ...(options.consistent ? { ConsistentRead: true } : {}) }),
  );
  if (!Item) return undefined;
  const { pk: _pk, sk: _sk, type: _type, ...customer } = Item;
  return customer as Customer;
}

import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import type { Customer } from '../core/customer';
import { EmailTakenError } from '../core/errors';
import type { NewSession } from './sessions';
import { sessionPuts } from './sessions';
import { keys } from './keys';
import { cancellationCodes, withConflictRetry } from './transactions';

/** Thrown when only the subdomain slug was taken, so the caller can try another. */
export class SlugTakenError extends Error {
  override readonly name = 'SlugTakenError';
}

interface CredentialsItem {
  readonly customerId: string;
  readonly passwordHash: string;
}

/**
 * Creates the account in ONE transaction: profile, email uniqueness + credentials, slug uniqueness and
 * the first session. Either all of it exists or none does, and concurrent signups for one email cannot
 * both win (the email item's condition decides).
 */
export async function createAccount(customer: Customer, passwordHash: string, slug: string, session: NewSession): Promise<void> {
  const TableName = config.tableName();
  const notExists = 'attribute_not_exists(pk)';
  try {
    await withConflictRetry(() =>
      dynamodb.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName, Item: { ...keys.customer(customer.customerId), type: 'customer', ...customer }, ConditionExpression: notExists } },
            {
              Put: {
                TableName,
                Item: { ...keys.credentials(customer.email), type: 'credentials', customerId: customer.customerId, passwordHash },
                ConditionExpression: notExists,
              },
            },
            { Put: { TableName, Item: { ...keys.slug(slug), type: 'slug', customerId: customer.customerId }, ConditionExpression: notExists } },
            ...sessionPuts(TableName, customer.customerId, session),
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

/**
 * Removes an account that never became usable (its provisioning could not be started), so the person
 * can sign up again. Same items as createAccount, in one transaction.
 */
export async function deleteUnstartedAccount(customer: Customer, slug: string, session: NewSession): Promise<void> {
  const TableName = config.tableName();
  await dynamodb.send(
    new TransactWriteCommand({
      TransactItems: [
        { Delete: { TableName, Key: keys.customer(customer.customerId) } },
        { Delete: { TableName, Key: keys.credentials(customer.email), ConditionExpression: 'customerId = :id', ExpressionAttributeValues: { ':id': customer.customerId } } },
        { Delete: { TableName, Key: keys.slug(slug), ConditionExpression: 'customerId = :id', ExpressionAttributeValues: { ':id': customer.customerId } } },
        { Delete: { TableName, Key: keys.refreshToken(session.refreshTokenHash) } },
        { Delete: { TableName, Key: keys.tokenFamily(session.familyId) } },
        { Delete: { TableName, Key: keys.session(customer.customerId, session.familyId) } },
      ],
    }),
  );
}

export async function getCredentials(normalizedEmail: string): Promise<CredentialsItem | undefined> {
  const { Item } = await dynamodb.send(
    new GetCommand({ TableName: config.tableName(), Key: keys.credentials(normalizedEmail), ConsistentRead: true }),
  );
  return Item ? { customerId: Item.customerId as string, passwordHash: Item.passwordHash as string } : undefined;
}

export async function getCustomer(customerId: string): Promise<Customer | undefined> {
  const { Item } = await dynamodb.send(new GetCommand({ TableName: config.tableName(), Key: keys.customer(customerId) }));
  if (!Item) return undefined;
  const { pk: _pk, sk: _sk, type: _type, ...customer } = Item;
  return customer as Customer;
}

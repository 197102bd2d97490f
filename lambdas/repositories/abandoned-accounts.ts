import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import type { Customer } from '../core/customer';
import { keys } from './keys';
import { TABLE_DESIGN } from './table-design';
import { PENDING_INDEX_PK } from './verification-tokens';

/**
 * Unverified accounts past their 7 days, oldest first, from the sparse PendingVerification index (only
 * pending profiles carry its keys): a Query, never a Scan. Ids only: the index is eventually consistent,
 * so the caller reads each profile again before removing it.
 */
export async function findAbandonedAccounts(now: number, limit: number, startKey?: Record<string, unknown>) {
  const index = TABLE_DESIGN.pendingVerificationIndex;
  const { Items, LastEvaluatedKey } = await dynamodb.send(
    new QueryCommand({
      TableName: config.tableName(),
      IndexName: index.indexName,
      KeyConditionExpression: '#pk = :pending AND #expires <= :now',
      ExpressionAttributeNames: { '#pk': index.partitionKey, '#expires': index.sortKey },
      ExpressionAttributeValues: { ':pending': PENDING_INDEX_PK, ':now': now },
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  const customerIds = (Items ?? []).map((item) => String(item.pk).replace(/^CUSTOMER#/, ''));
  return { customerIds, nextKey: LastEvaluatedKey };
}

async function ownerOf(key: { pk: string; sk: string }): Promise<string | undefined> {
  const { Item } = await dynamodb.send(new GetCommand({ TableName: config.tableName(), Key: key, ConsistentRead: true }));
  return Item?.customerId as string | undefined;
}

/**
 * Removes an abandoned account in ONE transaction: profile, its email and subdomain (unless a new signup
 * already took them over), the signup's session and the live verification tokens. The profile's condition
 * (still pending, still expired) makes a verification that lands first win; a signup that takes the email
 * or subdomain meanwhile cancels this (a TransactionCanceledException), and the next run removes the rest.
 */
export async function removeAbandonedAccount(customer: Customer, now: number): Promise<boolean> {
  const TableName = config.tableName();
  const { customerId } = customer;
  const credentialsKey = keys.credentials(customer.email);
  const slugKey = keys.slug(customer.subdomain.split('.')[0]);
  const [emailOwner, slugOwner] = await Promise.all([ownerOf(credentialsKey), ownerOf(slugKey)]);
  const ownedBy = { ConditionExpression: 'customerId = :id', ExpressionAttributeValues: { ':id': customerId } };
  const tokens = (customer.verificationTokens ?? []).filter((token) => token.expiresAt > now - 3600_000);
  await dynamodb.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Delete: {
            TableName,
            Key: keys.customer(customerId),
            ConditionExpression: '#status = :pending AND pendingExpiresAt <= :now',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':pending': 'pending_verification', ':now': now },
          },
        },
        ...(emailOwner === customerId ? [{ Delete: { TableName, Key: credentialsKey, ...ownedBy } }] : []),
        ...(slugOwner === customerId ? [{ Delete: { TableName, Key: slugKey, ...ownedBy } }] : []),
        ...(customer.signupSessionFamilyId ? [{ Delete: { TableName, Key: keys.tokenFamily(customer.signupSessionFamilyId) } }] : []),
        ...(customer.signupRefreshTokenHash ? [{ Delete: { TableName, Key: keys.refreshToken(customer.signupRefreshTokenHash) } }] : []),
        ...tokens.map((token) => ({ Delete: { TableName, Key: keys.verificationToken(token.hash) } })),
      ],
    }),
  );
  return true;
}

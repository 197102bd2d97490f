import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import { cancellationCodes } from './transactions';

/**
 * WhatsApp numbers cannot be bought by API: each is linked to our WhatsApp Business Account through Meta's
 * signup in the End User Messaging Social console. Operators link numbers ahead of demand and add them here
 * (`POOL#whatsapp#FREE`); provisioning claims one per customer (`CUSTOMER#<id>` / `WHATSAPP_CLAIM`), once.
 */
const FREE = 'POOL#whatsapp#FREE';
const claimKey = (customerId: string) => ({ pk: `CUSTOMER#${customerId}`, sk: 'WHATSAPP_CLAIM' });

export interface PooledWhatsAppNumber {
  readonly number: string;
  /** End User Messaging Social's phone-number id (`phone-number-id-...`), which SendWhatsAppMessage sends from. */
  readonly phoneNumberId: string;
}

/** Adds a linked number to the free pool (an operator's step; the local stack seeds a few). */
export async function addToWhatsAppPool(entry: PooledWhatsAppNumber): Promise<void> {
  await dynamodb
    .send(new PutCommand({ TableName: config.messagingTableName(), Item: { pk: FREE, sk: `NUMBER#${entry.number}`, ...entry }, ConditionExpression: 'attribute_not_exists(pk)' }))
    .catch((error: unknown) => {
      if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
    });
}

/**
 * The customer's WhatsApp number: the one it claimed before, or a free one claimed now (a delete of the free
 * entry and the claim in one transaction, so two customers never get the same number). Undefined when the
 * pool is empty.
 */
export async function claimWhatsAppNumber(customerId: string): Promise<PooledWhatsAppNumber | undefined> {
  const TableName = config.messagingTableName();
  for (let attempt = 0; attempt < 5; attempt++) {
    const claimed = await dynamodb.send(new GetCommand({ TableName, Key: claimKey(customerId), ConsistentRead: true }));
    if (claimed.Item) return { number: claimed.Item.number as string, phoneNumberId: claimed.Item.phoneNumberId as string };
    const { Items = [] } = await dynamodb.send(new QueryCommand({ TableName, KeyConditionExpression: 'pk = :free', ExpressionAttributeValues: { ':free': FREE }, Limit: 5 }));
    if (Items.length === 0) return undefined;
    const pick = Items[Math.floor(Math.random() * Items.length)]!;
    const entry = { number: pick.number as string, phoneNumberId: pick.phoneNumberId as string };
    try {
      await dynamodb.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName, Key: { pk: FREE, sk: pick.sk }, ConditionExpression: 'attribute_exists(pk)' } },
            { Put: { TableName, Item: { ...claimKey(customerId), ...entry }, ConditionExpression: 'attribute_not_exists(pk)' } },
          ],
        }),
      );
      return entry;
    } catch (error) {
      // Someone took that number first, or this customer's claim raced another attempt: look again.
      if (!cancellationCodes(error)) throw error;
    }
  }
  throw new Error('Could not claim a WhatsApp number after 5 attempts');
}

/**
 * Puts the customer's claimed number back in the free pool (its claim deleted and the free entry written in
 * one transaction, so the number is never both claimed and free). Idempotent: without a claim it does
 * nothing and answers undefined. Call it only once the number no longer routes to the customer.
 */
export async function returnWhatsAppNumber(customerId: string): Promise<PooledWhatsAppNumber | undefined> {
  const TableName = config.messagingTableName();
  const claimed = await dynamodb.send(new GetCommand({ TableName, Key: claimKey(customerId), ConsistentRead: true }));
  if (!claimed.Item) return undefined;
  const entry = { number: claimed.Item.number as string, phoneNumberId: claimed.Item.phoneNumberId as string };
  try {
    await dynamodb.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName, Key: claimKey(customerId), ConditionExpression: 'attribute_exists(pk)' } },
          // A free entry already there (an operator re-added it) is left as it is.
          { Put: { TableName, Item: { pk: FREE, sk: `NUMBER#${entry.number}`, ...entry }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
  } catch (error) {
    const codes = cancellationCodes(error);
    if (!codes) throw error;
    // The claim went meanwhile (a concurrent release): done. The free entry exists: just drop the claim.
    if (codes[0] === 'ConditionalCheckFailed') return undefined;
    if (codes[1] === 'ConditionalCheckFailed') {
      await dynamodb.send(new DeleteCommand({ TableName, Key: claimKey(customerId) }));
      return entry;
    }
    throw error;
  }
  return entry;
}

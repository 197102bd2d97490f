import { DeleteCommand, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import type { Channel, MessagingChannels } from '../messaging/model';
import { messagingKeys } from './messaging-keys';

/** The customer's numbers and widget key, or undefined before they are provisioned. */
export async function getChannels(customerId: string): Promise<MessagingChannels | undefined> {
  const { Item } = await dynamodb.send(new GetCommand({ TableName: config.messagingTableName(), Key: messagingKeys.channels(customerId) }));
  if (!Item) return undefined;
  const { sms, whatsapp, widget } = Item as MessagingChannels;
  return { ...(sms ? { sms } : {}), ...(whatsapp ? { whatsapp } : {}), ...(widget ? { widget } : {}) };
}

/** Thrown when a number or key is already routed to another customer: provisioning must not steal it. */
export class ChannelTakenError extends Error {
  override readonly name = 'ChannelTakenError';
}

function routesOf(channels: MessagingChannels): Array<{ kind: Channel | 'widget'; address: string }> {
  return [
    ...(channels.sms ? [{ kind: 'sms' as const, address: channels.sms.number }] : []),
    ...(channels.whatsapp ? [{ kind: 'whatsapp' as const, address: channels.whatsapp.number }] : []),
    ...(channels.widget ? [{ kind: 'widget' as const, address: channels.widget.publicKey }] : []),
  ];
}

/**
 * Records the customer's channels and routes each number and key to it, in one transaction. Repeating it
 * (a retried provisioning step) is a no-op; a number routed to someone else fails with ChannelTakenError.
 */
export async function assignChannels(customerId: string, channels: MessagingChannels): Promise<void> {
  const TableName = config.messagingTableName();
  try {
    await dynamodb.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName, Item: { ...messagingKeys.channels(customerId), customerId, ...channels } } },
          ...routesOf(channels).map(({ kind, address }) => ({
            Put: {
              TableName,
              Item: { ...messagingKeys.route(kind, address), customerId },
              ConditionExpression: 'attribute_not_exists(pk) OR customerId = :customerId',
              ExpressionAttributeValues: { ':customerId': customerId },
            },
          })),
        ],
      }),
    );
  } catch (error) {
    if (error instanceof Error && error.name === 'TransactionCanceledException') throw new ChannelTakenError('A number or key is routed to another customer');
    throw error;
  }
}

/** Which customer a number (or widget key) belongs to; undefined for one that is not ours (any more). */
export async function customerOfAddress(kind: Channel | 'widget', address: string): Promise<string | undefined> {
  const { Item } = await dynamodb.send(new GetCommand({ TableName: config.messagingTableName(), Key: messagingKeys.route(kind, address) }));
  return typeof Item?.customerId === 'string' ? Item.customerId : undefined;
}

/**
 * Records the SMS number as soon as RequestPhoneNumber answers, before anything routes to it, so a release
 * that runs after a failed allocation still finds (and releases) it. Keeps a number recorded earlier.
 */
export async function recordSmsNumber(customerId: string, sms: NonNullable<MessagingChannels['sms']>): Promise<void> {
  await dynamodb.send(
    new UpdateCommand({
      TableName: config.messagingTableName(),
      Key: messagingKeys.channels(customerId),
      UpdateExpression: 'SET sms = if_not_exists(sms, :sms), customerId = :customerId',
      ExpressionAttributeValues: { ':sms': sms, ':customerId': customerId },
    }),
  );
}

/**
 * The customer's widget key: the one recorded before, or `candidate` recorded now. One write decides, so
 * allocations running at once all route the same key (no stray key left routable after a release).
 */
export async function settleWidgetKey(customerId: string, candidate: NonNullable<MessagingChannels['widget']>): Promise<NonNullable<MessagingChannels['widget']>> {
  const { Attributes } = await dynamodb.send(
    new UpdateCommand({
      TableName: config.messagingTableName(),
      Key: messagingKeys.channels(customerId),
      UpdateExpression: 'SET widget = if_not_exists(widget, :widget), customerId = :customerId',
      ExpressionAttributeValues: { ':widget': candidate, ':customerId': customerId },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return Attributes!.widget as NonNullable<MessagingChannels['widget']>;
}

/** Deletes the routing items of the customer's numbers and key: nothing inbound reaches it any more, the widget key is revoked. */
export async function unrouteChannels(customerId: string, channels: MessagingChannels): Promise<void> {
  const TableName = config.messagingTableName();
  for (const { kind, address } of routesOf(channels)) {
    await dynamodb.send(
      new DeleteCommand({
        TableName,
        Key: messagingKeys.route(kind, address),
        // Never unroute a number that has meanwhile gone to someone else.
        ConditionExpression: 'attribute_not_exists(pk) OR customerId = :customerId',
        ExpressionAttributeValues: { ':customerId': customerId },
      }),
    ).catch((error: unknown) => {
      if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
    });
  }
}

/** Deletes the customer's channels record (the last step of a release: until then a retry knows what to release). */
export async function forgetChannels(customerId: string): Promise<void> {
  await dynamodb.send(new DeleteCommand({ TableName: config.messagingTableName(), Key: messagingKeys.channels(customerId) }));
}

/** Unroutes the customer's numbers and key and forgets them; their conversations stay until retention ends. */
export async function releaseChannels(customerId: string): Promise<MessagingChannels | undefined> {
  const channels = await getChannels(customerId);
  if (!channels) return undefined;
  await unrouteChannels(customerId, channels);
  await forgetChannels(customerId);
  return channels;
}

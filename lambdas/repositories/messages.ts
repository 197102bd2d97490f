import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import { STATUS_RANK, type Channel, type Message, type MessageStatus } from '../messaging/model';
import { activityKey, conversationIndexKeys, messagingKeys } from './messaging-keys';
import { cancellationCodes, withConflictRetry } from './transactions';

export const MESSAGE_PAGE_SIZE = 50;

/** The stored message item, as the API and the live frames show it (keys and bookkeeping left out). */
export function toMessage(item: Record<string, unknown>): Message {
  return {
    messageId: item.messageId as string,
    direction: item.direction as 'in' | 'out',
    text: item.text as string,
    sentAt: item.sentAt as string,
    status: item.status as MessageStatus,
    ...(typeof item.author === 'string' ? { author: item.author } : {}),
  };
}

/** A message's sort key ends the cursor: `MSG#<sentAt>#<messageId>`. */
export interface MessageCursor {
  readonly sk: string;
}

/** One page of a conversation's messages, newest first (provider timestamp, then id); the cursor goes back in time. */
export async function listMessages(customerId: string, conversationId: string, cursor?: MessageCursor): Promise<{ items: Message[]; next?: MessageCursor }> {
  const pk = messagingKeys.conversationPartition(customerId, conversationId);
  const { Items = [] } = await dynamodb.send(
    new QueryCommand({
      TableName: config.messagingTableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': 'MSG#' },
      ScanIndexForward: false,
      Limit: MESSAGE_PAGE_SIZE + 1,
      ...(cursor ? { ExclusiveStartKey: { pk, sk: cursor.sk } } : {}),
    }),
  );
  const page = Items.slice(0, MESSAGE_PAGE_SIZE);
  const last = page.at(-1);
  const items = page.map(toMessage);
  return Items.length > MESSAGE_PAGE_SIZE && last ? { items, next: { sk: last.sk as string } } : { items };
}

export interface InboundMessage {
  readonly channel: Channel;
  /** The client's E.164 number. */
  readonly contact: string;
  readonly providerMessageId: string;
  readonly text: string;
  /** The provider's timestamp (ISO 8601). */
  readonly sentAt: string;
  readonly conversationId: string;
  readonly messageId: string;
}

/**
 * Appends an inbound message to its conversation (creating or reopening it) exactly once per provider
 * message id, in one transaction: the dedupe record, the message and the conversation's unread count and
 * activity. A redelivery finds the dedupe record and changes nothing. A message older than the
 * conversation's last activity (providers do not promise order) is filed by its own timestamp and leaves
 * the activity alone.
 *
 * A message to a new or resolved conversation opens an episode (for analytics: `episode` + 1, `openedAt`,
 * `episodeOpenedBy: in`, and no first response or resolution yet). What the write decides (open a new
 * episode? advance the activity?) comes from a consistent read, and the transaction's condition holds
 * the conversation to what was read: a concurrent change makes it read and decide again.
 */
export async function recordInbound(customerId: string, message: InboundMessage): Promise<'created' | 'duplicate'> {
  const TableName = config.messagingTableName();
  const messageKey = messagingKeys.message(customerId, message.conversationId, message.sentAt, message.messageId);
  const indexKeys = conversationIndexKeys(customerId, 'open', message.channel);
  const conversationKey = messagingKeys.conversation(customerId, message.conversationId);
  const write = ({ opening, advanceActivity }: InboundPlan) =>
    dynamodb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName,
              Item: { ...messagingKeys.providerMessage(customerId, message.channel, message.providerMessageId), conversationId: message.conversationId, messageSk: messageKey.sk },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName,
              Item: {
                ...messageKey,
                type: 'message',
                customerId,
                conversationId: message.conversationId,
                channel: message.channel,
                messageId: message.messageId,
                direction: 'in',
                text: message.text,
                sentAt: message.sentAt,
                status: 'received',
                statusRank: STATUS_RANK.received,
                providerMessageId: message.providerMessageId,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Update: {
              TableName,
              Key: conversationKey,
              UpdateExpression:
                [
                  'SET #type = :type, customerId = :customerId, conversationId = :conversationId, channel = :channel, contact = :contact',
                  'createdAt = if_not_exists(createdAt, :at), labels = if_not_exists(labels, :noLabels), #status = :open',
                  'byCustomer = :byCustomer, byStatus = :byStatus, byChannel = :byChannel, byStatusChannel = :byStatusChannel',
                  advanceActivity ? 'lastMessageAt = :at, lastInboundAt = :at, activityKey = :activityKey' : 'lastMessageAt = if_not_exists(lastMessageAt, :at)',
                  ...(opening ? ['openedAt = :at, episodeOpenedBy = :in'] : []),
                ].join(', ') +
                (opening ? ' REMOVE firstResponseAt, resolvedAt ADD unreadCount :one, episode :one' : ' ADD unreadCount :one'),
              ConditionExpression: [
                opening ? '(attribute_not_exists(pk) OR #status = :resolved)' : '(attribute_exists(pk) AND #status <> :resolved)',
                advanceActivity ? '(attribute_not_exists(lastMessageAt) OR lastMessageAt <= :at)' : 'lastMessageAt > :at',
              ].join(' AND '),
              ExpressionAttributeNames: { '#type': 'type', '#status': 'status' },
              ExpressionAttributeValues: {
                ':type': 'conversation',
                ':customerId': customerId,
                ':conversationId': message.conversationId,
                ':channel': message.channel,
                ':contact': message.contact,
                ':at': message.sentAt,
                ':noLabels': [],
                ':open': 'open',
                ':resolved': 'resolved',
                ':byCustomer': indexKeys.byCustomer,
                ':byStatus': indexKeys.byStatus,
                ':byChannel': indexKeys.byChannel,
                ':byStatusChannel': indexKeys.byStatusChannel,
                ':one': 1,
                ...(opening ? { ':in': 'in' } : {}),
                ...(advanceActivity ? { ':activityKey': activityKey(message.sentAt, message.conversationId) } : {}),
              },
            },
          },
        ],
      }),
    );
  const dedupeKey = messagingKeys.providerMessage(customerId, message.channel, message.providerMessageId);
  const seen = async () => (await dynamodb.send(new GetCommand({ TableName, Key: dedupeKey, ConsistentRead: true }))).Item !== undefined;
  const plan = async (): Promise<InboundPlan> => {
    const { Item } = await dynamodb.send(new GetCommand({ TableName, Key: conversationKey, ConsistentRead: true }));
    const lastMessageAt = Item?.lastMessageAt as string | undefined;
    return { opening: !Item || Item.status === 'resolved', advanceActivity: lastMessageAt === undefined || lastMessageAt <= message.sentAt };
  };
  // A redelivery after the first one committed: reads only, no transaction.
  const [already, first] = await Promise.all([seen(), plan()]);
  if (already) return 'duplicate';
  let current = first;
  for (let attempt = 1; ; attempt++) {
    try {
      await write(current);
      return 'created';
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.[0] === 'ConditionalCheckFailed' || codes?.[1] === 'ConditionalCheckFailed') return 'duplicate';
      const changed = codes?.[2] === 'ConditionalCheckFailed';
      if ((!changed && !codes?.includes('TransactionConflict')) || attempt >= 8) throw error;
      // The conversation changed since it was read (it was created, resolved or moved on), or concurrent
      // deliveries collided: after a jittered pause, a delivery whose twin has committed meanwhile is done;
      // otherwise read the conversation again and decide again.
      if (!changed) await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** Math.min(attempt, 5)));
      if (await seen()) return 'duplicate';
      current = await plan();
    }
  }
}

/** What an inbound message does to its conversation, decided from a consistent read. */
interface InboundPlan {
  /** A new or resolved conversation: a new episode opens. */
  readonly opening: boolean;
  /** Not older than the conversation's last activity. */
  readonly advanceActivity: boolean;
}

export interface OutboundMessage {
  readonly conversationId: string;
  readonly channel: Channel;
  readonly messageId: string;
  readonly text: string;
  readonly author: string;
  readonly sentAt: string;
  /** A WhatsApp template sent instead of free text (outside the 24-hour window). */
  readonly template?: { readonly name: string; readonly language: string };
}

/** An outbound message as stored: the message and where to reach it. */
export interface StoredOutbound {
  readonly message: Message;
  readonly sk: string;
  readonly providerMessageId?: string;
}

/**
 * Records a reply as `queued` before anything is sent, with a `SEND#<messageId>` marker in the conversation's
 * partition, so the same message id again (a retried request with the same Idempotency-Key) finds the
 * first one instead of recording, and later sending, a second.
 */
export async function recordOutbound(customerId: string, outbound: OutboundMessage): Promise<{ stored: StoredOutbound; created: boolean }> {
  const TableName = config.messagingTableName();
  const messageKey = messagingKeys.message(customerId, outbound.conversationId, outbound.sentAt, outbound.messageId);
  const markerKey = { pk: messageKey.pk, sk: `SEND#${outbound.messageId}` };
  const write = (advanceActivity: boolean) =>
    dynamodb.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName, Item: { ...markerKey, messageSk: messageKey.sk }, ConditionExpression: 'attribute_not_exists(pk)' } },
          {
            Put: {
              TableName,
              Item: {
                ...messageKey,
                type: 'message',
                customerId,
                conversationId: outbound.conversationId,
                channel: outbound.channel,
                messageId: outbound.messageId,
                direction: 'out',
                text: outbound.text,
                sentAt: outbound.sentAt,
                status: 'queued',
                statusRank: STATUS_RANK.queued,
                author: outbound.author,
                ...(outbound.template ? { template: outbound.template } : {}),
              },
            },
          },
          {
            Update: {
              TableName,
              Key: messagingKeys.conversation(customerId, outbound.conversationId),
              // The episode's first staff reply (analytics' first-response time) is the earliest one recorded.
              UpdateExpression: advanceActivity
                ? 'SET lastMessageAt = :at, activityKey = :activityKey, firstResponseAt = if_not_exists(firstResponseAt, :at)'
                : 'SET lastOutboundAt = :at, firstResponseAt = if_not_exists(firstResponseAt, :at)',
              ConditionExpression: advanceActivity ? 'attribute_exists(pk) AND lastMessageAt <= :at' : 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':at': outbound.sentAt, ...(advanceActivity ? { ':activityKey': activityKey(outbound.sentAt, outbound.conversationId) } : {}) },
            },
          },
        ],
      }),
    );
  for (const advanceActivity of [true, false]) {
    try {
      await withConflictRetry(() => write(advanceActivity));
      return { stored: { message: toMessage({ ...outbound, direction: 'out', status: 'queued' }), sk: messageKey.sk }, created: true };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.[0] === 'ConditionalCheckFailed') {
        const earlier = await findOutbound(customerId, outbound.conversationId, outbound.messageId);
        if (earlier) return { stored: earlier, created: false };
      }
      if (!(advanceActivity && codes?.[2] === 'ConditionalCheckFailed')) throw error;
    }
  }
  throw new Error('unreachable');
}

/** An outbound message by its id (through its SEND marker). */
export async function findOutbound(customerId: string, conversationId: string, messageId: string): Promise<StoredOutbound | undefined> {
  const pk = messagingKeys.conversationPartition(customerId, conversationId);
  const TableName = config.messagingTableName();
  const marker = await dynamodb.send(new GetCommand({ TableName, Key: { pk, sk: `SEND#${messageId}` }, ConsistentRead: true }));
  const sk = marker.Item?.messageSk as string | undefined;
  if (!sk) return undefined;
  const { Item } = await dynamodb.send(new GetCommand({ TableName, Key: { pk, sk }, ConsistentRead: true }));
  return Item ? { message: toMessage(Item), sk, ...(typeof Item.providerMessageId === 'string' ? { providerMessageId: Item.providerMessageId } : {}) } : undefined;
}

/**
 * Moves a message from one status to the next only if it is still in `from`: the claim that makes exactly
 * one sender hand a queued message to the provider. Returns false when someone else moved it first.
 */
export async function moveOutboundStatus(
  customerId: string,
  conversationId: string,
  sk: string,
  from: MessageStatus,
  to: MessageStatus,
  extra: { providerMessageId?: string; failureReason?: string } = {},
): Promise<boolean> {
  const sets = ['#status = :to', 'statusRank = :rank'];
  const values: Record<string, unknown> = { ':from': from, ':to': to, ':rank': STATUS_RANK[to] };
  if (extra.providerMessageId) {
    sets.push('providerMessageId = :providerMessageId');
    values[':providerMessageId'] = extra.providerMessageId;
  }
  if (extra.failureReason) {
    sets.push('failureReason = :failureReason');
    values[':failureReason'] = extra.failureReason;
  }
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: config.messagingTableName(),
        Key: { pk: messagingKeys.conversationPartition(customerId, conversationId), sk },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: '#status = :from',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** Links a sent message's provider id to it, so receipts (which carry only that id) find it. */
export async function linkProviderMessage(customerId: string, channel: Channel, providerMessageId: string, conversationId: string, sk: string): Promise<void> {
  await dynamodb.send(
    new PutCommand({
      TableName: config.messagingTableName(),
      Item: { ...messagingKeys.providerMessage(customerId, channel, providerMessageId), conversationId, messageSk: sk },
    }),
  );
}

/**
 * A delivery or read receipt: moves the message forward only (a late `delivered` after `read` changes
 * nothing). Returns false for a provider id we never sent (or another customer's) and for a step back.
 */
export async function applyReceipt(customerId: string, channel: Channel, providerMessageId: string, status: 'delivered' | 'read' | 'failed'): Promise<boolean> {
  const TableName = config.messagingTableName();
  const { Item } = await dynamodb.send(new GetCommand({ TableName, Key: messagingKeys.providerMessage(customerId, channel, providerMessageId) }));
  if (!Item || typeof Item.messageSk !== 'string') return false;
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName,
        Key: { pk: messagingKeys.conversationPartition(customerId, Item.conversationId as string), sk: Item.messageSk },
        UpdateExpression: 'SET #status = :status, statusRank = :rank',
        ConditionExpression: 'attribute_exists(pk) AND direction = :out AND statusRank < :rank',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status, ':rank': STATUS_RANK[status], ':out': 'out' },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** An inbound message by the provider id it was recorded under (through its dedupe record): what a redelivery answers. */
export async function findInbound(customerId: string, channel: Channel, providerMessageId: string): Promise<Message | undefined> {
  const TableName = config.messagingTableName();
  const { Item: dedupe } = await dynamodb.send(new GetCommand({ TableName, Key: messagingKeys.providerMessage(customerId, channel, providerMessageId), ConsistentRead: true }));
  if (typeof dedupe?.conversationId !== 'string' || typeof dedupe.messageSk !== 'string') return undefined;
  const { Item } = await dynamodb.send(
    new GetCommand({ TableName, Key: { pk: messagingKeys.conversationPartition(customerId, dedupe.conversationId), sk: dedupe.messageSk }, ConsistentRead: true }),
  );
  return Item ? toMessage(Item) : undefined;
}

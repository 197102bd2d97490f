import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import type { Channel, Conversation, ConversationStatus } from '../messaging/model';
import { MESSAGING_TABLE_DESIGN, type ConversationIndexName } from './messaging-table-design';
import { conversationIndexKeys, messagingKeys } from './messaging-keys';

export const CONVERSATION_PAGE_SIZE = 20;

/** The stored conversation item, as the domain sees it (keys and index attributes left out). */
export function toConversation(item: Record<string, unknown>): Conversation {
  return {
    conversationId: item.conversationId as string,
    channel: item.channel as Channel,
    contact: item.contact as string,
    status: item.status as ConversationStatus,
    unreadCount: Math.max(0, Number(item.unreadCount ?? 0)),
    lastMessageAt: item.lastMessageAt as string,
    ...(typeof item.lastInboundAt === 'string' ? { lastInboundAt: item.lastInboundAt } : {}),
    ...(typeof item.assignee === 'string' ? { assignee: item.assignee } : {}),
    labels: Array.isArray(item.labels) ? (item.labels as string[]) : [],
  };
}

/** One of the customer's conversations; undefined for an id that is not theirs (the key holds the customer). */
export async function getConversation(customerId: string, conversationId: string, options: { consistent?: boolean } = {}): Promise<Conversation | undefined> {
  const { Item } = await dynamodb.send(
    new GetCommand({ TableName: config.messagingTableName(), Key: messagingKeys.conversation(customerId, conversationId), ConsistentRead: options.consistent }),
  );
  return Item ? toConversation(Item) : undefined;
}

export interface ConversationFilter {
  readonly status?: ConversationStatus;
  readonly channel?: Channel;
}

/** Where the last item of a page stood: its activity key (which ends with its id). */
export interface ConversationCursor {
  readonly activityKey: string;
  readonly conversationId: string;
}

export interface ConversationPage {
  readonly items: Conversation[];
  readonly next?: ConversationCursor;
}

function indexFor(filter: ConversationFilter): ConversationIndexName {
  if (filter.status && filter.channel) return 'statusAndChannel';
  if (filter.status) return 'status';
  if (filter.channel) return 'channel';
  return 'all';
}

/**
 * The customer's conversations, most recent activity first, one Query of the one index partition the
 * filter names (no scan, no filter expression): a page is always full unless the list ends.
 */
export async function listConversations(customerId: string, filter: ConversationFilter, cursor?: ConversationCursor): Promise<ConversationPage> {
  const indexName = indexFor(filter);
  const index = MESSAGING_TABLE_DESIGN.conversationIndexes[indexName];
  // Any status and channel give the same byCustomer; the filter's own decide the others.
  const partitions = conversationIndexKeys(customerId, filter.status ?? 'open', filter.channel ?? 'sms');
  const partition = partitions[index.partitionKey];
  const { Items = [] } = await dynamodb.send(
    new QueryCommand({
      TableName: config.messagingTableName(),
      IndexName: index.indexName,
      KeyConditionExpression: '#partition = :partition',
      ExpressionAttributeNames: { '#partition': index.partitionKey },
      ExpressionAttributeValues: { ':partition': partition },
      ScanIndexForward: false,
      // One more than a page: a next cursor only when there is a next item.
      Limit: CONVERSATION_PAGE_SIZE + 1,
      ...(cursor
        ? {
            ExclusiveStartKey: {
              ...messagingKeys.conversation(customerId, cursor.conversationId),
              [index.partitionKey]: partition,
              [MESSAGING_TABLE_DESIGN.activitySortKey]: cursor.activityKey,
            },
          }
        : {}),
    }),
  );
  const page = Items.slice(0, CONVERSATION_PAGE_SIZE);
  const last = page.at(-1);
  const items = page.map(toConversation);
  if (Items.length <= CONVERSATION_PAGE_SIZE || !last) return { items };
  return { items, next: { activityKey: last[MESSAGING_TABLE_DESIGN.activitySortKey] as string, conversationId: last.conversationId as string } };
}

/**
 * Sets status and the two index partitions that depend on it; undefined when the conversation is not theirs.
 *
 * For analytics, resolving records `resolvedAt` once (resolving again keeps the first), and moving a resolved
 * conversation back to open starts a new episode (`episode` + 1, `openedAt` now, opened by staff, no first
 * response or resolution yet). The write is conditioned on the status it was decided from: a concurrent change
 * makes it read and decide again, so an episode is never opened twice or skipped.
 */
export async function setConversationStatus(customerId: string, conversationId: string, status: ConversationStatus, now = new Date()): Promise<Conversation | undefined> {
  for (let attempt = 1; ; attempt++) {
    const current = await getConversation(customerId, conversationId, { consistent: true });
    if (!current) return undefined;
    const keys = conversationIndexKeys(customerId, status, current.channel);
    const reopening = current.status === 'resolved' && status !== 'resolved';
    const sets = ['#status = :status', 'byStatus = :byStatus', 'byStatusChannel = :byStatusChannel'];
    if (status === 'resolved') sets.push('resolvedAt = if_not_exists(resolvedAt, :now)');
    if (reopening) sets.push('openedAt = :now', 'episodeOpenedBy = :staff');
    try {
      const { Attributes } = await dynamodb.send(
        new UpdateCommand({
          TableName: config.messagingTableName(),
          Key: messagingKeys.conversation(customerId, conversationId),
          UpdateExpression: `SET ${sets.join(', ')}` + (reopening ? ' REMOVE resolvedAt, firstResponseAt ADD episode :one' : ''),
          ConditionExpression: 'attribute_exists(pk) AND #status = :was',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': status,
            ':was': current.status,
            ':byStatus': keys.byStatus,
            ':byStatusChannel': keys.byStatusChannel,
            ...(status === 'resolved' || reopening ? { ':now': now.toISOString() } : {}),
            ...(reopening ? { ':staff': 'staff', ':one': 1 } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? toConversation(Attributes) : undefined;
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException') || attempt >= 5) throw error;
    }
  }
}

/** Assigns (a string) or unassigns (null) and replaces the labels; fields left undefined stay as they are. */
export async function updateConversationDetails(
  customerId: string,
  conversationId: string,
  changes: { assignee?: string | null; labels?: readonly string[] },
): Promise<Conversation | undefined> {
  const sets: string[] = [];
  const removes: string[] = [];
  const values: Record<string, unknown> = {};
  if (typeof changes.assignee === 'string') {
    sets.push('assignee = :assignee');
    values[':assignee'] = changes.assignee;
  } else if (changes.assignee === null) {
    removes.push('assignee');
  }
  if (changes.labels !== undefined) {
    sets.push('labels = :labels');
    values[':labels'] = [...changes.labels];
  }
  if (sets.length === 0 && removes.length === 0) return getConversation(customerId, conversationId, { consistent: true });
  const expression = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' ');
  return updateExisting(customerId, conversationId, () => ({
    UpdateExpression: expression,
    ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
  }));
}

/** Marks the conversation read (no write when it already is). */
export async function markConversationRead(customerId: string, conversationId: string): Promise<void> {
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: config.messagingTableName(),
        Key: messagingKeys.conversation(customerId, conversationId),
        UpdateExpression: 'SET unreadCount = :zero',
        ConditionExpression: 'attribute_exists(pk) AND unreadCount > :zero',
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
  }
}

type UpdateParts = { UpdateExpression: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> };

/** An update of an existing conversation only (never creates one), returning the new state. */
async function updateExisting(customerId: string, conversationId: string, build: (channel: Channel) => UpdateParts): Promise<Conversation | undefined> {
  const current = await getConversation(customerId, conversationId, { consistent: true });
  if (!current) return undefined;
  const parts = build(current.channel);
  try {
    const { Attributes } = await dynamodb.send(
      new UpdateCommand({
        TableName: config.messagingTableName(),
        Key: messagingKeys.conversation(customerId, conversationId),
        ...parts,
        ConditionExpression: 'attribute_exists(pk)',
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes ? toConversation(Attributes) : undefined;
  } catch (error) {
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return undefined;
    throw error;
  }
}


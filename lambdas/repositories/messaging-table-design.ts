/**
 * The messaging table's key design (its own table: a different write pattern, Streams for fan-out and
 * analytics, its own retention), shared by the CDK construct and the local stack's table creation.
 *
 * Every item's partition starts with `CUSTOMER#<customerId>`, except the routing items (`ROUTE#...`), which
 * map a public identifier (a phone number, a widget key) to the customer and hold nothing else. A request
 * only ever builds keys from the caller's own customer id, so no tenant can name another's partition.
 *
 * - `CUSTOMER#<c>` / `CHANNELS`: the customer's SMS and WhatsApp numbers and widget key.
 * - `CUSTOMER#<c>` / `WIDGET`: the widget's settings (the origins it may be embedded on).
 * - `CUSTOMER#<c>#CONV#<conversationId>` / `CONV`: one conversation (per contact per channel).
 * - same partition / `MSG#<sentAt>#<messageId>`: its messages, in provider-timestamp order, then id.
 * - `CUSTOMER#<c>#PROVIDER#<channel>#<providerMessageId>` / `PROVIDER`: dedupe of inbound messages, and the
 *   way from an outbound message's provider id (in a receipt) back to the message.
 * - `ROUTE#<channel>#<number or key>` / `ROUTE`: which customer a number or widget key belongs to.
 * - `CUSTOMER#<c>#ANALYTICS#<channel>` / `<YYYY-MM-DD>`: that day's counters and duration histograms,
 *   written only by the stream aggregator (messaging/analytics).
 * - `CUSTOMER#<c>#ANALYTICSFACT#<factId>` / `FACT`: a stream fact already counted (expires, `ttl`).
 */
export const MESSAGING_TABLE_DESIGN = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds: dedupe records of dropped messages expire. */
  timeToLiveAttribute: 'ttl',
  /**
   * Conversations by last activity, one index per filter so a page is one Query of one partition (no
   * FilterExpression): every conversation item carries the four partition attributes and one sort key
   * `activityKey` = `<lastMessageAt>#<conversationId>` (unique, so it doubles as the cursor).
   */
  conversationIndexes: {
    all: { indexName: 'ConversationsByActivity', partitionKey: 'byCustomer' },
    status: { indexName: 'ConversationsByStatus', partitionKey: 'byStatus' },
    channel: { indexName: 'ConversationsByChannel', partitionKey: 'byChannel' },
    statusAndChannel: { indexName: 'ConversationsByStatusAndChannel', partitionKey: 'byStatusChannel' },
  },
  activitySortKey: 'activityKey',
} as const;

export type ConversationIndexName = keyof typeof MESSAGING_TABLE_DESIGN.conversationIndexes;

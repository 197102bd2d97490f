import { CHANNELS, type Channel } from '../model';
import { bucketOf } from './histogram';

/**
 * What the analytics count, read from the messaging table's stream (new images only). Each fact has an id
 * that is the same in every record that carries it, so the aggregator applies it once (a marker item per
 * fact id) however often the stream delivers it:
 *
 * - a message, from the record that inserted it: `MSG#<conversationId>#<messageId>`, one incoming or outgoing;
 * - a conversation episode (a first inbound message, an inbound message to a resolved conversation, or a
 *   staff reopen; `episode` counts them on the conversation item):
 *   - `OPEN#<conversationId>#<episode>`: opened, on the day of `openedAt`;
 *   - `FIRST#...`: the first staff reply after an episode a client opened (`firstResponseAt - openedAt`);
 *   - `RESOLVED#...`: resolved, with `resolvedAt - openedAt`.
 *
 * A conversation item carries its episode's facts in every later image (a label change, an unread reset):
 * markers expire after MARKER_DAYS, so a fact more than REPLAY_HORIZON_DAYS older than the record that
 * carries it is a replay of one already counted (a stream keeps a record 24 hours) and is skipped.
 */
export interface Fact {
  readonly factId: string;
  readonly customerId: string;
  readonly channel: Channel;
  /** The UTC day (YYYY-MM-DD) the fact counts on: the day it happened. */
  readonly date: string;
  /** Counter increments: `incoming`, `outgoing`, `opened`, `resolved`, and histogram buckets `frt_<i>`, `res_<i>`. */
  readonly increments: Readonly<Record<string, number>>;
}

export const REPLAY_HORIZON_DAYS = 7;
export const MARKER_DAYS = 30;
const DAY_MS = 86_400_000;

export const FIRST_RESPONSE_PREFIX = 'frt_';
export const RESOLUTION_PREFIX = 'res_';

/** A stream record as the aggregator needs it: the event name, the new image (unmarshalled), when it was written. */
export interface ImageRecord {
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE' | undefined;
  readonly image: Readonly<Record<string, unknown>> | undefined;
  /** Epoch ms of the write (the record's ApproximateCreationDateTime). */
  readonly writtenAt: number;
}

export function factsOf(record: ImageRecord): Fact[] {
  const image = record.image;
  if (!image || record.eventName === 'REMOVE') return [];
  const customerId = image.customerId;
  const channel = image.channel;
  const conversationId = image.conversationId;
  if (typeof customerId !== 'string' || typeof conversationId !== 'string' || !isChannel(channel)) return [];
  if (image.type === 'message') return record.eventName === 'INSERT' ? messageFacts(image, customerId, channel, conversationId) : [];
  if (image.type === 'conversation') return conversationFacts(image, customerId, channel, conversationId, record.writtenAt);
  return [];
}

function messageFacts(image: Readonly<Record<string, unknown>>, customerId: string, channel: Channel, conversationId: string): Fact[] {
  const at = timeOf(image.sentAt);
  if (at === undefined || typeof image.messageId !== 'string' || (image.direction !== 'in' && image.direction !== 'out')) return [];
  return [{ factId: `MSG#${conversationId}#${image.messageId}`, customerId, channel, date: dayOf(at), increments: { [image.direction === 'in' ? 'incoming' : 'outgoing']: 1 } }];
}

function conversationFacts(image: Readonly<Record<string, unknown>>, customerId: string, channel: Channel, conversationId: string, writtenAt: number): Fact[] {
  const episode = image.episode;
  const openedAt = timeOf(image.openedAt);
  if (typeof episode !== 'number' || !Number.isInteger(episode) || episode < 1 || openedAt === undefined) return [];
  const id = (kind: string) => `${kind}#${conversationId}#${episode}`;
  const fresh = (at: number) => at >= writtenAt - REPLAY_HORIZON_DAYS * DAY_MS;
  const facts: Fact[] = [];
  if (fresh(openedAt)) facts.push({ factId: id('OPEN'), customerId, channel, date: dayOf(openedAt), increments: { opened: 1 } });
  const firstResponseAt = timeOf(image.firstResponseAt);
  if (image.episodeOpenedBy === 'in' && firstResponseAt !== undefined && fresh(firstResponseAt)) {
    const seconds = Math.max(0, (firstResponseAt - openedAt) / 1000);
    facts.push({ factId: id('FIRST'), customerId, channel, date: dayOf(firstResponseAt), increments: { [`${FIRST_RESPONSE_PREFIX}${bucketOf(seconds)}`]: 1 } });
  }
  const resolvedAt = timeOf(image.resolvedAt);
  if (image.status === 'resolved' && resolvedAt !== undefined && fresh(resolvedAt)) {
    const seconds = Math.max(0, (resolvedAt - openedAt) / 1000);
    facts.push({ factId: id('RESOLVED'), customerId, channel, date: dayOf(resolvedAt), increments: { resolved: 1, [`${RESOLUTION_PREFIX}${bucketOf(seconds)}`]: 1 } });
  }
  return facts;
}

function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}

function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The UTC calendar day of an instant. */
export function dayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

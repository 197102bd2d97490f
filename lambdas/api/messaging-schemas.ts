import * as z from 'zod';
import { CHANNELS, CONVERSATION_STATUSES, normalizePhoneNumber } from '../messaging/model';

/** Request schemas of the messaging routes: the handlers validate with them, the OpenAPI document shows them. */

const cursor = z.string().max(2048, 'cursor is too long.').optional().describe('`nextCursor` of the previous page (with the same filters).');

export const ListConversationsQuery = z.strictObject(
  {
    status: z.enum(CONVERSATION_STATUSES, { error: `status must be one of ${CONVERSATION_STATUSES.join(', ')}.` }).optional().describe('Only conversations with this status.'),
    channel: z.enum(CHANNELS, { error: `channel must be one of ${CHANNELS.join(', ')}.` }).optional().describe('Only conversations on this channel.'),
    cursor,
    contact: z
      .string({ error: 'contact must be a string.' })
      .max(32, 'contact must be an E.164 phone number such as +15551234567.')
      .transform((raw, ctx) => {
        // A `+` left unencoded in a query string arrives as a space: normalizePhoneNumber trims and puts it back.
        const number = normalizePhoneNumber(raw);
        if (number === undefined) ctx.addIssue({ code: 'custom', message: 'contact must be an E.164 phone number such as +15551234567.' });
        return number ?? raw;
      })
      .optional()
      .describe("Only this contact's conversations (exact E.164 number, any channel unless `channel` is given; one page, no cursor). Encode the `+` as `%2B`."),
  },
  { error: 'Unknown query parameter.' },
).refine((query) => query.contact === undefined || query.cursor === undefined, { message: 'A contact search answers in one page: leave out cursor.', path: ['cursor'] });

export const ListMessagesQuery = z.strictObject({ cursor }, { error: 'Unknown query parameter.' });

/** SMS bodies up to 1,600 characters (End User Messaging splits them); WhatsApp text allows 4,096. */
export const MAX_MESSAGE_TEXT = 1600;

export const SendMessageBody = z
  .strictObject(
    {
      text: z.string({ error: 'text must be a string.' }).trim().min(1, 'text is required.').max(MAX_MESSAGE_TEXT, `text must be at most ${MAX_MESSAGE_TEXT} characters.`).optional(),
      template: z
        .strictObject(
          {
            name: z.string({ error: 'template.name must be a string.' }).regex(/^[a-z0-9_]{1,512}$/, 'template.name is a lower-case template name.'),
            language: z.string({ error: 'template.language must be a string.' }).regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'template.language is a code such as en_US.'),
          },
          { error: 'template must be an object {name, language}.' },
        )
        .optional()
        .describe('An approved WhatsApp template, for contacts outside the 24-hour window (instead of `text`).'),
    },
    { error: 'The body must be a JSON object.' },
  )
  .refine((body) => (body.text === undefined) !== (body.template === undefined), { message: 'Send either text or template.', path: ['text'] });

export const UpdateConversationBody = z.strictObject(
  {
    assignee: z
      .string({ error: 'assignee must be a string or null.' })
      .trim()
      .min(1, 'assignee is required (null unassigns).')
      .max(128, 'assignee is too long.')
      .nullable()
      .optional()
      .describe('Who handles it; null unassigns.'),
    labels: z
      .array(z.string({ error: 'Each label must be a string.' }).trim().min(1, 'A label is empty.').max(50, 'A label is at most 50 characters.'), { error: 'labels must be an array of strings.' })
      .max(20, 'At most 20 labels.')
      .optional()
      .describe('Replaces the labels.'),
  },
  { error: 'The body must be a JSON object.' },
);

/** The longest range one analytics request covers (a year, leap day included). */
export const MAX_ANALYTICS_DAYS = 366;

/** Epoch ms of a `YYYY-MM-DD` UTC day, or undefined for anything else (2026-02-30 included). */
function dayStart(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(value) ? ms : undefined;
}

const calendarDay = (field: string) =>
  z
    .string({ error: `${field} is required (YYYY-MM-DD).` })
    .regex(/^\d{4}-\d{2}-\d{2}$/, { message: `${field} must be a date as YYYY-MM-DD.`, abort: true })
    .refine((value) => dayStart(value) !== undefined, `${field} is not a calendar date.`);

/** `from` and `to` are UTC days, both included; at most MAX_ANALYTICS_DAYS of them. */
export const AnalyticsQuery = z
  .strictObject(
    {
      from: calendarDay('from').describe('First UTC day (YYYY-MM-DD), included.'),
      to: calendarDay('to').describe(`Last UTC day (YYYY-MM-DD), included; at most ${MAX_ANALYTICS_DAYS} days after from, counting both.`),
      channel: z.enum(CHANNELS, { error: `channel must be one of ${CHANNELS.join(', ')}.` }).optional().describe('Only this channel.'),
    },
    { error: 'Unknown query parameter.' },
  )
  .superRefine((query, ctx) => {
    const [from, to] = [dayStart(query.from), dayStart(query.to)];
    // Each day's own issue is reported by its field.
    if (from === undefined || to === undefined) return;
    const days = (to - from) / 86_400_000 + 1;
    if (days < 1) ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must not be before from.' });
    else if (days > MAX_ANALYTICS_DAYS) ctx.addIssue({ code: 'custom', path: ['to'], message: `At most ${MAX_ANALYTICS_DAYS} days from from to to.` });
  });

import * as z from 'zod';
import { CHANNELS, CONVERSATION_STATUSES } from '../messaging/model';

/** Request schemas of the messaging routes: the handlers validate with them, the OpenAPI document shows them. */

const cursor = z.string().max(2048, 'cursor is too long.').optional().describe('`nextCursor` of the previous page (with the same filters).');

export const ListConversationsQuery = z.strictObject(
  {
    status: z.enum(CONVERSATION_STATUSES, { error: `status must be one of ${CONVERSATION_STATUSES.join(', ')}.` }).optional().describe('Only conversations with this status.'),
    channel: z.enum(CHANNELS, { error: `channel must be one of ${CHANNELS.join(', ')}.` }).optional().describe('Only conversations on this channel.'),
    cursor,
  },
  { error: 'Unknown query parameter.' },
);

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

import * as z from 'zod';
import { MAX_ALLOWED_ORIGINS, originProblem } from '../messaging/widget-origins';
import { WIDGET_LIMITS } from '../messaging/widget-limits';

/** Request schemas of the widget routes (visitors' and staff's): the handlers validate with them, the OpenAPI document shows them. */

export const WidgetMessageBody = z.strictObject(
  {
    text: z
      .string({ error: 'text must be a string.' })
      .trim()
      .min(1, 'text is required.')
      .max(WIDGET_LIMITS.maxTextLength, `text must be at most ${WIDGET_LIMITS.maxTextLength} characters.`),
    clientMessageId: z
      .string({ error: 'clientMessageId must be a string.' })
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'clientMessageId is up to 64 letters, digits and _ . : -')
      .optional()
      .describe('The widget\'s own id of this message: sending it again (a retry) answers the first message instead of recording another.'),
  },
  { error: 'The body must be a JSON object.' },
);

export const WidgetMessagesQuery = z.strictObject(
  { cursor: z.string().max(2048, 'cursor is too long.').optional().describe('`nextCursor` of the previous page.') },
  { error: 'Unknown query parameter.' },
);

export const WidgetSettingsBody = z.strictObject(
  {
    allowedOrigins: z
      .array(
        z.string({ error: 'Each origin must be a string.' }).max(300, 'An origin is at most 300 characters.').superRefine((value, context) => {
          const problem = originProblem(value);
          if (problem) context.addIssue({ code: 'custom', message: problem });
        }),
        { error: 'allowedOrigins must be an array of origins.' },
      )
      .max(MAX_ALLOWED_ORIGINS, `At most ${MAX_ALLOWED_ORIGINS} origins.`)
      .describe('Page origins (`https://shop.example`, as browsers send `Origin`) the widget answers; replaces the list. Empty: the widget answers no page.'),
  },
  { error: 'The body must be a JSON object.' },
);

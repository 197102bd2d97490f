import type { z } from 'zod';
import {
  InvalidJsonError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
  type FieldIssue,
} from '../core/errors';
import { headerValue } from './headers';

/**
 * A request schema of either zod API: the routes' are zod/mini (lambdas/api/schemas.ts), a classic one
 * parses the same. Only its `safeParse` method is used, so no zod code comes along with this module.
 */
export interface RequestSchema<T = unknown> extends z.core.$ZodType<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false; error: z.core.$ZodError };
}

/** Request bodies larger than this are refused before parsing (API Gateway itself allows 10 MB). */
export const MAX_BODY_BYTES = 64 * 1024;

/** Zod's issues as our `details`: one entry per offending field, unknown keys each named. */
export function toFieldIssues(error: z.core.$ZodError): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ field: base ? `${base}.${key}` : key, message: 'Unknown field.' });
    } else {
      issues.push({ field: base || 'body', message: issue.message });
    }
  }
  return issues;
}

/**
 * Reads an API Gateway body as JSON and validates it: 413 when too large, 415 when declared as something
 * other than JSON, 400 INVALID_JSON when it does not parse, 400 VALIDATION_FAILED naming each field.
 */
export function parseJsonBody<S extends RequestSchema>(
  event: { body: string | null; isBase64Encoded: boolean; headers: Record<string, string | undefined> | null },
  schema: S,
): z.output<S> {
  const raw = event.body === null ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  const contentType = headerValue(event.headers, 'content-type');
  if (contentType && !/^application\/([\w.+-]+\+)?json\b/i.test(contentType.trim())) throw new UnsupportedMediaTypeError();
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new InvalidJsonError();
  }
  const result = schema.safeParse(json);
  if (!result.success) throw new ValidationError(toFieldIssues(result.error));
  return result.data as z.output<S>;
}


/** Ids we issue (UUIDs) and the test fixtures' short ids; nothing longer can be a key of ours. */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * A path parameter that names one of our resources, or 404 as for an id that does not exist: a value
 * that cannot be an id (too long for a DynamoDB key, odd characters) never reaches the table.
 */
export function resourceIdParam(event: { pathParameters: Record<string, string | undefined> | null }, name: string, what: string): string {
  const value = event.pathParameters?.[name];
  if (value === undefined || !ID_PATTERN.test(value)) throw new NotFoundError(what);
  return value;
}

/**
 * Query-string parameters validated like a body: 400 VALIDATION_FAILED naming each parameter (unknown ones
 * too); a parameter given twice is refused rather than one of its values silently picked.
 */
export function parseQuery<S extends RequestSchema>(
  event: { queryStringParameters: Record<string, string | undefined> | null; multiValueQueryStringParameters?: Record<string, string[] | undefined> | null },
  schema: S,
): z.output<S> {
  const repeated = Object.entries(event.multiValueQueryStringParameters ?? {}).filter(([, values]) => (values?.length ?? 0) > 1);
  if (repeated.length > 0) throw new ValidationError(repeated.map(([field]) => ({ field, message: `${field} may be given once.` })));
  const result = schema.safeParse(event.queryStringParameters ?? {});
  if (!result.success) throw new ValidationError(toFieldIssues(result.error));
  return result.data as z.output<S>;
}

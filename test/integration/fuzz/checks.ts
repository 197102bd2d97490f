import { ERROR_CODES, isErrorCode } from '../../../lambdas/core/error-codes';
import type { FuzzCase } from './cases';
import type { FuzzAnswer } from './send';

/** Traces of internals no answer may carry: stack frames, source or system paths, raw error names. */
const LEAKS: readonly [RegExp, string][] = [
  [/\bat (?:async )?[\w.$<>]+ \(/, 'a stack frame'],
  [/\n\s+at /, 'a stack frame'],
  [/\.(?:ts|js|mjs|cjs):\d+/, 'a source location'],
  [/node_modules|\/lambdas\/|\/local\/|\/home\/|\/work\/|\/tmp\/|\/usr\/|[A-Z]:\\\\/, 'a file path'],
  [/\b(?:TypeError|ReferenceError|SyntaxError|RangeError)\b/, 'a raw error name'],
  [/arn:aws:/, 'an ARN'],
  [/whsec_|sk_test_|sk_live_/, 'a secret'],
];

/**
 * What every answer must be: never a 5xx; an error in the documented shape `{error: {code, message,
 * details?}}` with a documented code and that code's status; no internals anywhere in the body; and the
 * status the case's route or gateway rule fixes, where it fixes one. Returns the problems (none: passed).
 */
export function checkAnswer(fuzzCase: FuzzCase, answer: FuzzAnswer): string[] {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`answered ${answer.status}`);
  if (fuzzCase.expected === '4xx' && (answer.status < 400 || answer.status > 499)) problems.push(`expected a 4xx, got ${answer.status}`);
  if (Array.isArray(fuzzCase.expected) && !fuzzCase.expected.includes(answer.status)) problems.push(`expected ${fuzzCase.expected.join(' or ')}, got ${answer.status}`);
  for (const [pattern, what] of LEAKS) if (pattern.test(answer.text)) problems.push(`the body carries ${what}`);
  // A HEAD answer has no body to check.
  if (answer.status >= 400 && fuzzCase.method !== 'HEAD') problems.push(...checkErrorBody(answer));
  return problems;
}

function checkErrorBody(answer: FuzzAnswer): string[] {
  const contentType = String(answer.headers['content-type'] ?? '');
  if (!/^application\/json\b/.test(contentType)) return [`an error with content type "${contentType}"`];
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return ['an error body that is not JSON'];
  }
  if (!isPlainObject(body) || Object.keys(body).join() !== 'error' || !isPlainObject(body.error)) return ['an error body not shaped {error: {...}}'];
  const { code, message, details, ...rest } = body.error;
  const problems: string[] = [];
  if (Object.keys(rest).length > 0) problems.push(`undocumented error fields ${Object.keys(rest).join(', ')}`);
  if (!isErrorCode(code)) problems.push(`undocumented code ${JSON.stringify(code)}`);
  else if (ERROR_CODES[code].status !== answer.status) problems.push(`code ${code} with status ${answer.status} (documented: ${ERROR_CODES[code].status})`);
  if (typeof message !== 'string' || message.length === 0) problems.push('an error without a message');
  if (details !== undefined) {
    const valid = Array.isArray(details) && details.every((entry) => isPlainObject(entry) && typeof entry.field === 'string' && typeof entry.message === 'string' && Object.keys(entry).length === 2);
    if (!valid) problems.push('details not shaped [{field, message}]');
  }
  return problems;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

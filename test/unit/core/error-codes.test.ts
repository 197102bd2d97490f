import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GATEWAY_RESPONSES, METHOD_NOT_ALLOWED } from '../../../lambdas/api/gateway-responses';
import { ERROR_CODES } from '../../../lambdas/core/error-codes';
import * as errors from '../../../lambdas/core/errors';

/** `| 400 | \`INVALID_JSON\` | ...` rows of the README's "### Errors" section, as `status code` strings. */
function readmeErrorRows(): string[] {
  const readme = readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const section = /^### Errors\n([\s\S]*?)(?=^#{1,3} )/m.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no "### Errors" section');
  return [...section.matchAll(/^\| (\d{3}) \| `([A-Z_]+)` \|/gm)].map(([, status, code]) => `${status} ${code}`);
}

const listed = Object.entries(ERROR_CODES).map(([code, { status }]) => `${status} ${code}`);

/**
 * Every typed error class exported by errors.ts, instantiated without arguments (the code and status are
 * fixed per class; a constructor that needs its arguments is left out: the ErrorCode type still holds it).
 */
function typedErrors(): errors.AppError[] {
  return Object.values(errors as Record<string, unknown>)
    .filter((value): value is new () => errors.AppError => typeof value === 'function' && value.prototype instanceof errors.AppError)
    .flatMap((ErrorClass) => {
      try {
        return [new ErrorClass()];
      } catch {
        return [];
      }
    });
}

describe('the documented error codes (lambdas/core/error-codes.ts)', () => {
  it('are exactly the rows of the README errors table, each with its status, once', () => {
    const rows = readmeErrorRows();
    expect(new Set(rows).size).toBe(rows.length);
    expect([...rows].sort()).toEqual([...listed].sort());
  });

  it('give every typed error its documented status', () => {
    const found = typedErrors();
    expect(found.length).toBeGreaterThan(5);
    for (const error of found) expect(`${error.statusCode} ${error.code}`).toBe(`${ERROR_CODES[error.code].status} ${error.code}`);
  });

  it("give API Gateway's own responses their documented status", () => {
    for (const response of [...Object.values(GATEWAY_RESPONSES), METHOD_NOT_ALLOWED]) {
      expect(`${response.statusCode} ${response.code}`).toBe(`${ERROR_CODES[response.code].status} ${response.code}`);
    }
  });

  it('list no code that nothing can answer', () => {
    const used = new Set<string>([
      ...typedErrors().map((error) => error.code),
      ...Object.values(GATEWAY_RESPONSES).map((response) => response.code),
      METHOD_NOT_ALLOWED.code,
    ]);
    expect(Object.keys(ERROR_CODES).filter((code) => !used.has(code))).toEqual([]);
  });
});

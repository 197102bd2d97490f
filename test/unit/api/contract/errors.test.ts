import { ERROR_CODES } from '../../../../lambdas/api/contract/errors';
import { GATEWAY_RESPONSES, METHOD_NOT_ALLOWED } from '../../../../lambdas/api/gateway-responses';
import { toErrorResponse } from '../../../../lambdas/api/http-errors';
import * as errors from '../../../../lambdas/core/errors';

/** Every concrete typed error; each constructor copes with no arguments (only the message changes). */
const appErrors = (Object.values(errors) as unknown[])
  .filter((value): value is new () => errors.AppError => typeof value === 'function' && value.prototype instanceof errors.AppError)
  .map((ErrorClass) => new ErrorClass());

/** [code, status] for every error a client can receive: typed errors, API Gateway's own, the catch-all 500. */
const answered = [
  ...appErrors.map((error) => [error.code, error.statusCode]),
  ...Object.values(GATEWAY_RESPONSES).map((response) => [response.code, response.statusCode]),
  [METHOD_NOT_ALLOWED.code, METHOD_NOT_ALLOWED.statusCode],
  [toErrorResponse(new Error('bug')).body.error.code, toErrorResponse(new Error('bug')).statusCode],
] as [string, number][];

describe('the error codes of the contract', () => {
  it('finds the typed errors (so the checks below cover them)', () => {
    expect(appErrors.map((error) => error.code)).toEqual(expect.arrayContaining(['EMAIL_TAKEN', 'VALIDATION_FAILED', 'SERVICE_UNAVAILABLE']));
  });

  it.each(answered)('documents %s with status %d', (code, status) => {
    expect(ERROR_CODES).toHaveProperty(code);
    expect(ERROR_CODES[code as keyof typeof ERROR_CODES].status).toBe(status);
  });

  it('documents no code that nothing answers', () => {
    expect(Object.keys(ERROR_CODES).sort()).toEqual([...new Set(answered.map(([code]) => code))].sort());
  });

  it('documents Retry-After exactly where the error sends it', () => {
    for (const error of appErrors) {
      const documented = 'headers' in ERROR_CODES[error.code as keyof typeof ERROR_CODES];
      expect([error.code, documented]).toEqual([error.code, Boolean(error.headers?.['Retry-After'])]);
    }
  });
});

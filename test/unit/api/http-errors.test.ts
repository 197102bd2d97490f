import Stripe from 'stripe';
import { toErrorResponse } from '../../../lambdas/api/http-errors';
import { EmailTakenError } from '../../../lambdas/core/errors';

describe('toErrorResponse', () => {
  it('maps a typed error to its status, code and details', () => {
    expect(toErrorResponse(new EmailTakenError())).toMatchObject({
      statusCode: 409,
      body: { error: { code: 'EMAIL_TAKEN', details: [{ field: 'email', message: 'Already registered.' }] } },
    });
  });

  it.each([
    ['AWS throttling', Object.assign(new Error('slow down'), { name: 'ThrottlingException' })],
    ['Stripe unreachable', new Stripe.errors.StripeConnectionError({ message: 'connect ECONNREFUSED' })],
    ['Stripe rate limit', new Stripe.errors.StripeRateLimitError({ message: 'Too many requests' })],
  ])('answers 503 SERVICE_UNAVAILABLE with Retry-After for %s', (_label, error) => {
    const res = toErrorResponse(error);
    expect(res.statusCode).toBe(503);
    expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(res.headers['Retry-After']).toBeDefined();
  });

  it('answers anything else with a bare 500 that reveals nothing', () => {
    const res = toErrorResponse(new TypeError("Cannot read properties of undefined (reading 'secret')"));
    expect(res).toEqual({ statusCode: 500, headers: {}, body: { error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side; please retry.' } } });
  });
});

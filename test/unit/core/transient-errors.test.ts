import { TransientError, errorKind, isTransient } from '../../../lambdas/core/transient-errors';

const named = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${name} happened`), { name }, extra);

describe('isTransient', () => {
  it.each(['ThrottlingException', 'Throttling', 'RequestLimitExceeded', 'TooManyRequestsException', 'PriorRequestNotComplete', 'ServiceUnavailable', 'InternalError', 'InternalFailure', 'TimeoutError'])(
    'retries AWS %s',
    (name) => expect(isTransient(named(name))).toBe(true),
  );

  it('retries what the SDK marks retryable, any 5xx answer and socket failures', () => {
    expect(isTransient(named('SomethingNew', { $retryable: { throttling: true } }))).toBe(true);
    expect(isTransient(named('SomethingNew', { $metadata: { httpStatusCode: 503 } }))).toBe(true);
    expect(isTransient(named('Error', { code: 'ECONNRESET' }))).toBe(true);
  });

  it('retries Stripe outages, told apart by type since Stripe errors keep the name Error', () => {
    expect(isTransient(named('Error', { type: 'StripeConnectionError' }))).toBe(true);
    expect(isTransient(named('Error', { type: 'StripeRateLimitError' }))).toBe(true);
    expect(isTransient(named('Error', { type: 'StripeCardError' }))).toBe(false);
    expect(errorKind(named('Error', { type: 'StripeAPIError' }))).toBe('StripeAPIError');
  });

  it('does not retry what a retry cannot fix: our typed errors, 4xx answers, non-errors', () => {
    expect(isTransient(named('UnauthorizedOperation', { $metadata: { httpStatusCode: 403 } }))).toBe(false);
    expect(isTransient(named('InvalidChangeBatch', { $metadata: { httpStatusCode: 400 } }))).toBe(false);
    expect(isTransient(named('InstanceCapacityError'))).toBe(false);
    expect(isTransient('ThrottlingException')).toBe(false);
    expect(isTransient(undefined)).toBe(false);
  });
});

describe('TransientError', () => {
  it('carries the original kind as its message and the error as its cause', () => {
    const original = named('RequestLimitExceeded');
    const error = new TransientError(errorKind(original), { cause: original });
    expect(error).toMatchObject({ name: 'TransientError', message: 'RequestLimitExceeded', kind: 'RequestLimitExceeded', cause: original });
  });
});

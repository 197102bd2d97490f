import type { Context } from 'aws-lambda';
import { evaluatePolicy, methodArn, runTokenAuthorizer, type TokenAuthorizer } from '../../../local/api-gateway/authorizer';

const ARN = methodArn('GET', '/customers/cus_1/status');
const context = {} as Context;
const policy = (Effect: 'Allow' | 'Deny', Resource: string | string[] = ARN, Action: string | string[] = 'execute-api:Invoke') => ({
  Version: '2012-10-17',
  Statement: [{ Effect, Action, Resource }],
});
const allowing = (extra: object = {}): TokenAuthorizer => async () => ({ principalId: 'cus_1', policyDocument: policy('Allow'), ...extra });

describe('methodArn', () => {
  it('names the local API, stage, method and path', () => {
    expect(ARN).toBe('arn:aws:execute-api:us-east-1:000000000000:local/local/GET/customers/cus_1/status');
  });
});

describe('runTokenAuthorizer', () => {
  it('is unauthorized without a token, without calling the authorizer', async () => {
    const authorizer = jest.fn();

    expect(await runTokenAuthorizer(authorizer, undefined, ARN, context)).toEqual({ kind: 'unauthorized' });
    expect(authorizer).not.toHaveBeenCalled();
  });

  it('passes a TOKEN event and turns an Allow into the context API Gateway forwards, as strings', async () => {
    const authorizer = jest.fn(allowing({ context: { customerId: 'cus_1', plan: 'starter', admin: false, count: 3, gone: null } }));

    const outcome = await runTokenAuthorizer(authorizer, 'Bearer abc', ARN, context);

    expect(authorizer).toHaveBeenCalledWith({ type: 'TOKEN', authorizationToken: 'Bearer abc', methodArn: ARN }, context);
    expect(outcome).toEqual({
      kind: 'allow',
      context: { customerId: 'cus_1', plan: 'starter', admin: 'false', count: '3', gone: null, principalId: 'cus_1' },
    });
  });

  it("is unauthorized when the authorizer throws 'Unauthorized'", async () => {
    const outcome = await runTokenAuthorizer(async () => Promise.reject(new Error('Unauthorized')), 'Bearer x', ARN, context);

    expect(outcome).toEqual({ kind: 'unauthorized' });
  });

  it('denies on a Deny policy', async () => {
    const outcome = await runTokenAuthorizer(async () => ({ principalId: 'cus_1', policyDocument: policy('Deny') }), 'Bearer x', ARN, context);

    expect(outcome).toEqual({ kind: 'deny' });
  });

  it('is an error for any other failure or a malformed result', async () => {
    expect(await runTokenAuthorizer(async () => Promise.reject(new Error('boom')), 'Bearer x', ARN, context)).toMatchObject({ kind: 'error' });
    expect(await runTokenAuthorizer(async () => ({ allowed: true }), 'Bearer x', ARN, context)).toMatchObject({ kind: 'error' });
  });
});

describe('evaluatePolicy', () => {
  it('allows with wildcards in the resource', () => {
    expect(evaluatePolicy(policy('Allow', 'arn:aws:execute-api:us-east-1:000000000000:local/*/GET/customers/*'), ARN)).toBe('Allow');
  });

  it('lets an explicit Deny win over an Allow', () => {
    const document = { Version: '2012-10-17', Statement: [...policy('Allow', '*').Statement, ...policy('Deny').Statement] };

    expect(evaluatePolicy(document, ARN)).toBe('Deny');
  });

  it('denies when no statement covers the method ARN or the action', () => {
    expect(evaluatePolicy(policy('Allow', methodArn('GET', '/customers/cus_2/status')), ARN)).toBe('Deny');
    expect(evaluatePolicy(policy('Allow', ARN, 's3:GetObject'), ARN)).toBe('Deny');
  });
});

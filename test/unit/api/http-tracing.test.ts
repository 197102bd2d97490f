import { z } from 'zod';
import { handler as authorize } from '../../../lambdas/api/authorize-customer';
import { jsonRoute, route } from '../../../lambdas/api/http';
import { signAccessToken } from '../../../lambdas/core/tokens';
import { apiEvent, lambdaContext } from '../helpers/events';
import { useTestSigningKey } from '../helpers/signing-key';
import { traceInFakeLambda } from '../helpers/trace';

const getThing = route(async () => ({ statusCode: 200, body: { accessToken: 'secret-token', email: 'ada@example.com' } }));
const failingThing = route(async () => {
  throw new Error('database on fire');
});
const postThing = jsonRoute(z.object({ name: z.string() }), async () => ({ statusCode: 201 }));

let key: Awaited<ReturnType<typeof useTestSigningKey>>;

beforeAll(async () => {
  process.env._HANDLER = 'index.handler';
  key = await useTestSigningKey();
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe('route wrapper tracing', () => {
  it('runs the route in its own subsegment, annotated with the route and the caller, and restores the Lambda segment', async () => {
    const trace = traceInFakeLambda();

    const response = await getThing(apiEvent({ httpMethod: 'GET', path: '/customers/{customerId}/thing', customerId: 'cust-1' }), lambdaContext);

    expect(response.statusCode).toBe(200);
    expect(trace.lambda.subsegments.map((s) => s.name)).toEqual(['## index.handler']);
    const [subsegment] = trace.lambda.subsegments;
    expect(subsegment.annotations).toEqual({
      ColdStart: expect.any(Boolean),
      Service: 'stackpro',
      route: 'GET /customers/{customerId}/thing',
      customerId: 'cust-1',
    });
    expect(subsegment.closed).toBe(true);
    expect(trace.current()).toBe(trace.lambda);
  });

  it('never records the response (it can hold tokens and account data)', async () => {
    const trace = traceInFakeLambda();

    await getThing(apiEvent({ httpMethod: 'GET', path: '/thing', customerId: 'cust-1' }), lambdaContext);

    expect(trace.putMetadata).not.toHaveBeenCalled();
    expect(JSON.stringify(trace.lambda)).not.toMatch(/secret-token|ada@example\.com/);
  });

  it('puts no customerId on a public route', async () => {
    const trace = traceInFakeLambda();

    await getThing(apiEvent({ httpMethod: 'GET', path: '/health' }), lambdaContext);

    expect(trace.lambda.subsegments[0].annotations).not.toHaveProperty('customerId');
    expect(trace.lambda.subsegments[0].annotations.route).toBe('GET /health');
  });

  it('flags a refused request as a client error, not a fault, and still answers with the mapped error', async () => {
    const trace = traceInFakeLambda();

    const response = await postThing(apiEvent({ path: '/things', json: { name: 42 } }), lambdaContext);

    expect(response.statusCode).toBe(400);
    const [subsegment] = trace.lambda.subsegments;
    expect(subsegment.errors).toEqual(['flag']);
    expect(subsegment.closed).toBe(true);
    expect(trace.current()).toBe(trace.lambda);
  });

  it('records an unexpected failure as a fault on the subsegment and answers 500', async () => {
    const trace = traceInFakeLambda();

    const response = await failingThing(apiEvent({ httpMethod: 'GET', path: '/things' }), lambdaContext);

    expect(response.statusCode).toBe(500);
    const [subsegment] = trace.lambda.subsegments;
    expect(subsegment.errors).toEqual([expect.objectContaining({ message: 'database on fire' })]);
    expect(subsegment.closed).toBe(true);
    expect(trace.current()).toBe(trace.lambda);
  });
});

describe('authorizer tracing', () => {
  it('annotates the customer the token belongs to', async () => {
    const token = await signAccessToken('cust-7', { kid: key.kid, privateKey: key.privateKey }, 900);
    const trace = traceInFakeLambda();

    await authorize({ type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: 'arn:aws:execute-api:us-east-1:0:abc/prod/GET/x' });

    const [subsegment] = trace.lambda.subsegments;
    expect(subsegment.name).toBe('## authorize-customer');
    expect(subsegment.annotations).toMatchObject({ customerId: 'cust-7', Service: 'stackpro' });
    expect(subsegment.closed).toBe(true);
  });

  it('records a refused token as an error, with no customer annotation', async () => {
    const trace = traceInFakeLambda();

    await expect(
      authorize({ type: 'TOKEN', authorizationToken: 'Bearer not.a.jwt', methodArn: 'arn:aws:execute-api:us-east-1:0:abc/prod/GET/x' }),
    ).rejects.toThrow('Unauthorized');

    const [subsegment] = trace.lambda.subsegments;
    expect(subsegment.annotations).not.toHaveProperty('customerId');
    expect(subsegment.errors).toHaveLength(1);
    expect(subsegment.closed).toBe(true);
    expect(trace.current()).toBe(trace.lambda);
  });
});

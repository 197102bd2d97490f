import { ROUTES, type RouteDefinition } from '../../../lambdas/api/routes';
import { buildCase, GENERIC_KINDS, type FuzzContext } from '../../integration/fuzz/cases';
import { checkAnswer } from '../../integration/fuzz/checks';

/** The fuzz suite's generator and checks, without a stack: reproducible cases, routes from the table. */
const customer = (id: string) => ({ customerId: id, accessToken: `${id}.access.token`, refreshToken: `${id}-refresh` });
const context = (routes: readonly RouteDefinition[] = ROUTES): FuzzContext => ({
  host: '127.0.0.1:3000',
  routes,
  customers: [customer('11111111-1111-4111-8111-111111111111'), customer('22222222-2222-4222-8222-222222222222')],
  badTokens: [{ label: 'not a JWT', token: 'abc.def' }],
  webhookSecret: 'whsec_unit',
});
const shape = (c: Awaited<ReturnType<typeof buildCase>>) => ({ kind: c.kind, label: c.label, method: c.method, path: c.path, body: c.body.toString('base64') });

describe('fuzz cases', () => {
  it('are the same for the same seed and index, whatever was built before', async () => {
    const first = await Promise.all([3, 17, 250].map((index) => buildCase(42, index, context(), GENERIC_KINDS)));
    const again = await Promise.all([250, 17, 3].map((index) => buildCase(42, index, context(), GENERIC_KINDS)));
    expect(first.map(shape)).toEqual(again.reverse().map(shape));
    expect(shape(await buildCase(43, 3, context(), GENERIC_KINDS))).not.toEqual(shape(first[0]));
  });

  it('reach a route added to the route table, with no edit to the suite', async () => {
    const added: RouteDefinition = { id: 'AddedLater', method: 'PUT', path: '/customers/{customerId}/added-later', handler: 'api/added-later', auth: 'customer', access: [] };
    const cases = await Promise.all(Array.from({ length: 2000 }, (_, index) => buildCase(7, index, context([...ROUTES, added]), GENERIC_KINDS)));
    const hits = cases.filter((c) => c.path.includes('/added-later'));
    expect(new Set(hits.map((c) => c.kind))).toEqual(new Set(['body', 'content-type', 'query', 'bearer', 'tenant', 'unknown-route', 'wrong-method']));
  });
});

describe('fuzz checks', () => {
  const fuzzCase = { index: 0, kind: 'body' as const, label: '', method: 'POST', path: '/auth/signup', headers: {}, body: Buffer.alloc(0) };
  const answer = (status: number, text: string) => ({ status, headers: { 'content-type': 'application/json' }, text, ms: 1 });

  it('pass a documented error', () => {
    expect(checkAnswer(fuzzCase, answer(400, '{"error":{"code":"VALIDATION_FAILED","message":"m","details":[{"field":"email","message":"x"}]}}'))).toEqual([]);
  });

  it.each([
    ['a 5xx', answer(500, '{"error":{"code":"INTERNAL_ERROR","message":"m"}}'), 'answered 500'],
    ['an undocumented code', answer(400, '{"error":{"code":"OOPS","message":"m"}}'), 'undocumented code "OOPS"'],
    ['a code with the wrong status', answer(404, '{"error":{"code":"VALIDATION_FAILED","message":"m"}}'), 'code VALIDATION_FAILED with status 404 (documented: 400)'],
    ['another shape', answer(400, '{"message":"bad"}'), 'an error body not shaped {error: {...}}'],
    ['a stack trace', answer(400, '{"error":{"code":"INVALID_JSON","message":"x\\n    at parse (/work/lambdas/api/validation.ts:40:12)"}}'), 'the body carries a stack frame'],
    ['an ARN', answer(200, '{"arn":"arn:aws:iam::123:role/x"}'), 'the body carries an ARN'],
  ])('fail %s', (_label, bad, problem) => {
    expect(checkAnswer(fuzzCase, bad)).toContain(problem);
  });
});

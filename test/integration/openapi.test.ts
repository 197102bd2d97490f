import { ROUTES } from '../../lambdas/api/routes';
import { responseChecker, validateOpenApiDocument } from '../helpers/openapi';
import { type ApiResponse, apiBase, call, eventually, newSignup, signUpVerified } from './api-client';

/**
 * The contract as the local stack serves it, and a sample of real answers checked against it: the
 * document's own response schemas (JSON Schema), not the handlers' code, decide what conforms.
 */
describe('GET /openapi.json on the local stack', () => {
  let document: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- read field by field
  let conforms: (method: string, path: string, res: ApiResponse) => void;

  beforeAll(async () => {
    const res = await call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    document = res.body;
    const check = responseChecker(document);
    conforms = (method, path, res) => expect([method, path, res.status, check(method, path, res.status, res.body)]).toEqual([method, path, res.status, undefined]);
  });

  it('is a valid OpenAPI 3.1 document naming this API and every route of the route table', async () => {
    expect(validateOpenApiDocument(document)).toMatchObject({ valid: true, version: '3.1' });
    expect(document.servers).toEqual([{ url: apiBase() }]);
    const listed = Object.entries(document.paths as Record<string, object>).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    expect(listed.sort()).toEqual(ROUTES.map((route) => `${route.method} ${route.path}`).sort());
    conforms('GET', '/openapi.json', await call('GET', '/openapi.json'));
  });

  it('answers a burst of 50 at once with the same document, and other methods with 405', async () => {
    const burst = await Promise.all(Array.from({ length: 50 }, () => call('GET', '/openapi.json')));
    expect(new Set(burst.map((res) => res.status))).toEqual(new Set([200]));
    expect(new Set(burst.map((res) => res.text)).size).toBe(1);

    const post = await call('POST', '/openapi.json', { json: {} });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET,OPTIONS');
    expect(post.body.error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('describes what signup, login, refresh, status and health really answer', async () => {
    const signup = newSignup();
    const created = await signUpVerified(signup);
    conforms('POST', '/auth/signup', created);
    expect(Object.keys(document.paths['/auth/signup'].post.responses['201'].headers)).toEqual(['Location']);
    expect(created.headers.get('location')).toBe(created.body.statusUrl);

    const login = await call('POST', '/auth/login', { json: { email: signup.email, password: signup.password } });
    conforms('POST', '/auth/login', login);
    conforms('POST', '/auth/refresh', await call('POST', '/auth/refresh', { json: { refreshToken: login.body.refreshToken } }));

    // Once provisioning has logged a step, the status carries the steps array too.
    const statusPath = '/customers/{customerId}/status';
    const status = await eventually(async () => {
      const res = await call('GET', `/customers/${created.body.customerId}/status`, { token: login.body.accessToken });
      return res.body?.provisioning?.steps?.length ? res : undefined;
    }, 15_000, 'a provisioning step');
    conforms('GET', statusPath, status);
    conforms('GET', '/health', await call('GET', '/health'));
  });

  it('describes the errors too: validation, bad credentials, a missing token, a stranger', async () => {
    const invalid = await call('POST', '/auth/signup', { json: { ...newSignup(), plan: 'platinum', extra: 1 } });
    expect(invalid.status).toBe(400);
    conforms('POST', '/auth/signup', invalid);

    const badJson = await call('POST', '/auth/login', { body: '{"email":' });
    expect(badJson.body.error.code).toBe('INVALID_JSON');
    conforms('POST', '/auth/login', badJson);

    const wrong = await call('POST', '/auth/login', { json: { email: `nobody.${Date.now()}@example.com`, password: 'not the password' } });
    expect(wrong.status).toBe(401);
    conforms('POST', '/auth/login', wrong);

    const noToken = await call('GET', '/customers/someone/status');
    expect(noToken.status).toBe(401);
    conforms('GET', '/customers/{customerId}/status', noToken);

    const stranger = await signUpVerified();
    const notYours = await call('GET', '/customers/someone-else/status', { token: stranger.body.accessToken });
    expect(notYours.status).toBe(404);
    conforms('GET', '/customers/{customerId}/status', notYours);
  });
});

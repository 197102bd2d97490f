import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { buildOpenApiDocument } from '../../../../lambdas/api/contract/openapi';
import { ROUTE_CONTRACTS } from '../../../../lambdas/api/contract/entries';
import { ROUTES, type RouteDefinition } from '../../../../lambdas/api/routes';
import { LogInBody, SignUpBody } from '../../../../lambdas/api/schemas';
import { responseChecker, validateOpenApiDocument } from '../../../helpers/openapi';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the document is read field by field

const document = buildOpenApiDocument() as Json;
const operationOf = (route: Pick<RouteDefinition, 'method' | 'path'>): Json => document.paths[route.path][route.method.toLowerCase()];
const route = (id: string) => ROUTES.find((r) => r.id === id)!;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document for an independent validator', () => {
    const result = validateOpenApiDocument(document);
    expect(result).toMatchObject({ valid: true, version: '3.1' });
  });

  it('fails that validator when broken, so the check above can fail', () => {
    const broken = { ...document, paths: { '/health': { get: { responses: 'none' } } } };
    expect(validateOpenApiDocument(broken).valid).toBe(false);
  });

  it('lists exactly the routes of the route table: each method and path once, under its route id', () => {
    const listed = Object.entries(document.paths as Record<string, Json>).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => HTTP_METHODS.includes(key))
        .map((method) => `${method.toUpperCase()} ${path} ${item[method].operationId}`),
    );
    expect(listed.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path} ${r.id}`).sort());
  });

  it('has one contract entry per route id, and no entry for a route that does not exist', () => {
    expect(Object.keys(ROUTE_CONTRACTS).sort()).toEqual(ROUTES.map((r) => r.id).sort());
  });

  it('refuses to build while a route has no contract entry', () => {
    const extra: RouteDefinition = { id: 'MakeTea', method: 'POST', path: '/tea', handler: 'api/make-tea', auth: 'public', access: [] };
    expect(() => buildOpenApiDocument([...ROUTES, extra])).toThrow('Route MakeTea has no contract entry');
  });

  it('declares bearer auth on customer routes, SigV4 on iam routes and none on public ones', () => {
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.components.securitySchemes.sigv4).toMatchObject({ type: 'apiKey', in: 'header', name: 'Authorization' });
    const expected = { public: [], customer: [{ bearer: [] }], iam: [{ sigv4: [] }] };
    for (const r of ROUTES) expect([r.id, operationOf(r).security]).toEqual([r.id, expected[r.auth]]);
  });

  it('describes each path parameter as required', () => {
    expect(operationOf(route('GetCustomerStatus')).parameters).toEqual([
      expect.objectContaining({ name: 'customerId', in: 'path', required: true }),
    ]);
    expect(operationOf(route('ReceiveStripeWebhook')).parameters).toEqual([expect.objectContaining({ name: 'Stripe-Signature', in: 'header' })]);
  });

  it('uses the very schemas the handlers validate with: what zod refuses, the JSON Schema refuses too', () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    ajv.addSchema({ ...document, $id: 'openapi.json' });
    const signUp = ajv.compile({ $ref: 'openapi.json#/components/schemas/SignUpBody' });
    const logIn = ajv.compile({ $ref: 'openapi.json#/components/schemas/LogInBody' });
    const good = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', company: 'Acme', password: 'correct horse battery', plan: 'starter' };
    const samples = [good, { ...good, plan: 'platinum' }, { ...good, password: 'short' }, { ...good, admin: true }, { ...good, firstName: '' }, { ...good, lastName: undefined }, { ...good, email: 'not-an-address' }];
    for (const sample of samples) expect([sample, signUp(sample)]).toEqual([sample, SignUpBody.safeParse(sample).success]);
    for (const sample of [{ email: 'a@b.co', password: 'x' }, { email: 'a@b.co' }, { email: 'a@b.co', password: 'x', remember: true }]) {
      expect([sample, logIn(sample)]).toEqual([sample, LogInBody.safeParse(sample).success]);
    }
    expect(operationOf(route('SignUp')).requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/SignUpBody' });
  });

  it('lists the errors each route can answer, in the one error shape, with the codes of each status', () => {
    const check = responseChecker(document);
    const signUp = operationOf(route('SignUp')).responses;
    expect(Object.keys(signUp).sort()).toEqual(['201', '400', '409', '413', '415', '429', '500', '503']);
    expect(signUp['400'].content['application/json'].schema.allOf[1].properties.error.properties.code.enum).toEqual(['INVALID_JSON', 'VALIDATION_FAILED']);
    expect(check('POST', '/auth/signup', 409, { error: { code: 'EMAIL_TAKEN', message: 'x', details: [{ field: 'email', message: 'Already registered.' }] } })).toBeUndefined();
    expect(check('POST', '/auth/signup', 409, { error: { code: 'INVALID_STATE', message: 'x' } })).toBeDefined();
    expect(check('POST', '/auth/signup', 400, { error: { code: 'VALIDATION_FAILED' } })).toBeDefined();
    // A customer route gets the authorizer's answers; an iam route answers 404 to a missing signature.
    expect(Object.keys(operationOf(route('GetCustomerStatus')).responses)).toEqual(expect.arrayContaining(['401', '403', '404']));
    expect(Object.keys(operationOf(route('RetryProvisioning')).responses)).toEqual(expect.arrayContaining(['403', '404', '409']));
    // A route that calls nothing in AWS cannot meet an unavailable dependency.
    expect(Object.keys(operationOf(route('GetHealth')).responses).sort()).toEqual(['200', '429', '500']);
  });

  it('documents the headers that come with a response: Location, Retry-After', () => {
    expect(operationOf(route('SignUp')).responses['201'].headers).toHaveProperty('Location');
    expect(operationOf(route('LogIn')).responses['429']).toMatchObject({
      description: expect.stringContaining('TOO_MANY_ATTEMPTS'),
      headers: { 'Retry-After': { schema: { type: 'integer', minimum: 1 } } },
    });
    expect(operationOf(route('LogIn')).responses['503'].headers).toHaveProperty('Retry-After');
  });

  it('checks response bodies against the success schemas, which are strict', () => {
    const check = responseChecker(document);
    const tokens = { customerId: 'c-1', accessToken: 'a.b.c', refreshToken: 'r', tokenType: 'Bearer', expiresIn: 900 };
    expect(check('POST', '/auth/login', 200, tokens)).toBeUndefined();
    expect(check('POST', '/auth/login', 200, { ...tokens, password: 'leak' })).toBeDefined();
    expect(check('POST', '/auth/login', 200, { ...tokens, tokenType: 'MAC' })).toBeDefined();
    expect(check('POST', '/auth/login', 201, tokens)).toEqual(['the document has no 201 response for POST /auth/login']);
  });

  it('names components after the exported schemas and strips per-schema dialect and ids', () => {
    for (const [name, schema] of Object.entries(document.components.schemas as Record<string, Json>)) {
      expect([name, schema.$schema, schema.$id]).toEqual([name, undefined, undefined]);
    }
    expect(document.components.schemas.ErrorBody).toMatchObject({ required: ['error'], additionalProperties: false });
  });
});

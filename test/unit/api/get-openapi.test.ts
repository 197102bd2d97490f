import { handler } from '../../../lambdas/api/get-openapi';
import { ROUTES } from '../../../lambdas/api/routes';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

describe('GET /openapi.json', () => {
  it('answers the contract, with servers naming the API it was fetched from', async () => {
    const result = await handler(apiEvent({ httpMethod: 'GET', path: '/openapi.json' }), lambdaContext);

    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({ 'Content-Type': 'application/json' });
    const document = bodyOf(result);
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(document.servers).toEqual([{ url: 'https://api.example.test/prod' }]);
    expect(Object.keys(document.paths).sort()).toEqual([...new Set(ROUTES.map((route) => route.path))].sort());
  });

  it('ignores a body or query it does not need', async () => {
    const result = await handler(apiEvent({ httpMethod: 'GET', path: '/openapi.json', body: '{not json', queryStringParameters: { x: '1' } }), lambdaContext);
    expect(result.statusCode).toBe(200);
  });
});

import { route } from './http';

/** GET /health: the API and its Lambdas answer. */
export const handler = route(async () => ({ statusCode: 200, body: { status: 'ok' } }));

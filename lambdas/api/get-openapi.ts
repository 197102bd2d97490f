import { apiUrl } from './api-url';
import { buildOpenApiDocument } from './contract/openapi';
import { route } from './http';

// Built once per container: the contract is fixed for a deployment.
const document = buildOpenApiDocument();

/** GET /openapi.json: the API contract, with `servers` set to the API it was fetched from. */
export const handler = route(async ({ event }) => ({
  statusCode: 200,
  body: { ...document, servers: [{ url: apiUrl(event, '') }] },
}));

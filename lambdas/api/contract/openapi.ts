import * as z from 'zod';
// Only the class: `z.core.$ZodType` at run time would bundle all of zod's core namespace (every locale) into GetOpenApi.
import { $ZodType } from 'zod/v4/core';
import { ROUTES, type RouteDefinition } from '../routes';
import * as requestSchemas from '../schemas';
import { MAX_BODY_BYTES } from '../validation';
import { ROUTE_CONTRACTS } from './entries';
import { ERROR_CODES, type ErrorCode } from './errors';
import type { RouteContract } from './route-contract';
import * as responseSchemas from './responses';

type Json = Record<string, unknown>;

const COMPONENT = '#/components/schemas/';

/** Errors every route answers whatever it does: API Gateway throttling and a bug on our side. */
const ALWAYS: readonly ErrorCode[] = ['TOO_MANY_REQUESTS', 'INTERNAL_ERROR'];
/** What `jsonRoute` answers before the handler's own code runs (lambdas/api/validation.ts). */
const JSON_BODY: readonly ErrorCode[] = ['INVALID_JSON', 'VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];
/** API Gateway's answers for the route's auth (lambdas/api/gateway-responses.ts). */
const AUTH_ERRORS: Readonly<Record<RouteDefinition['auth'], readonly ErrorCode[]>> = {
  public: [],
  customer: ['UNAUTHORIZED', 'FORBIDDEN'],
  // No signature at all reads as an unknown route (404), as API Gateway's IAM auth answers.
  iam: ['FORBIDDEN', 'NOT_FOUND'],
};
const SECURITY: Readonly<Record<RouteDefinition['auth'], Json[]>> = { public: [], customer: [{ bearer: [] }], iam: [{ sigv4: [] }] };

/**
 * A request string checked by a pipe (`z.string().trim().pipe(z.email())`) converts as its input side, which
 * loses the format; clients should still see `format: email`.
 */
const keepPipedFormat: NonNullable<Parameters<typeof z.toJSONSchema>[1]>['override'] = ({ zodSchema, jsonSchema }) => {
  const def = zodSchema._zod.def;
  if (def.type !== 'pipe' || jsonSchema.type !== 'string') return;
  const out = (def.out as z.core.$ZodType)._zod.def as { type: string; format?: string };
  if (out.type === 'string' && out.format && !jsonSchema.format) jsonSchema.format = out.format;
};

/** Every zod schema exported by the request and response schema modules, named by its export. */
function namedSchemas(module: Record<string, unknown>): Map<z.core.$ZodType, string> {
  const named = new Map<z.core.$ZodType, string>();
  // Requests are zod/mini schemas, responses classic ones: both are zod core types.
  for (const [name, value] of Object.entries(module)) if (value instanceof $ZodType) named.set(value, name);
  return named;
}

/** Component schemas from one module: requests as clients send them (input), responses as we send them. */
function components(named: Map<z.core.$ZodType, string>, io: 'input' | 'output'): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of named) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', io, uri: (id) => `${COMPONENT}${id}`, override: keepPipedFormat });
  // OpenAPI 3.1 gives the dialect for the whole document; a fragment-only `$id` is not valid JSON Schema.
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema as Json]));
}

function schemaRef(schema: z.core.$ZodType, named: Map<z.core.$ZodType, string>, io: 'input' | 'output'): Json {
  const name = named.get(schema);
  if (name) return { $ref: `${COMPONENT}${name}` };
  const { $schema: _s, ...inline } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, override: keepPipedFormat });
  return inline;
}

function errorCodesOf(route: RouteDefinition, contract: RouteContract): ErrorCode[] {
  return [
    ...new Set<ErrorCode>([
      ...(contract.request ? JSON_BODY : []),
      ...AUTH_ERRORS[route.auth],
      ...(contract.errors ?? []),
      // Any route that calls AWS can meet a throttled or unavailable dependency.
      ...(route.access.length > 0 ? (['SERVICE_UNAVAILABLE'] as const) : []),
      ...ALWAYS,
    ]),
  ];
}

function headerObjects(headers: Readonly<Record<string, string>> | undefined): Json | undefined {
  if (!headers) return undefined;
  return Object.fromEntries(
    Object.entries(headers).map(([name, description]) => [name, { description, schema: name === 'Retry-After' ? { type: 'integer', minimum: 1 } : { type: 'string' } }]),
  );
}

/** One response per status; when several codes share a status, the schema names exactly those codes. */
function errorResponses(codes: readonly ErrorCode[]): Record<string, Json> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_CODES[code].status, [...(byStatus.get(ERROR_CODES[code].status) ?? []), code]);
  const responses: Record<string, Json> = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    const headers = Object.assign({}, ...group.map((code) => ('headers' in ERROR_CODES[code] ? ERROR_CODES[code].headers : {})));
    responses[String(status)] = {
      description: group.map((code) => `\`${code}\`: ${ERROR_CODES[code].when}`).join('\n\n'),
      ...(Object.keys(headers).length > 0 ? { headers: headerObjects(headers) } : {}),
      content: {
        'application/json': {
          schema: {
            allOf: [{ $ref: `${COMPONENT}ErrorBody` }, { properties: { error: { properties: { code: { enum: group } } } } }],
          },
        },
      },
    };
  }
  return responses;
}

function operation(route: RouteDefinition, contract: RouteContract, requests: Map<z.core.$ZodType, string>, responses: Map<z.core.$ZodType, string>): Json {
  const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string', minLength: 1 } }));
  const headerParameters = Object.entries(contract.requestHeaders ?? {}).map(([name, description]) => ({
    name,
    in: 'header',
    required: true,
    description,
    schema: { type: 'string' },
  }));
  const queryParameters = Object.entries(contract.query?._zod.def.shape ?? {}).map(([name, field]) => {
    const { $schema: _schema, description, ...schema } = z.toJSONSchema(field, { io: 'input' }) as Record<string, unknown>;
    return { name, in: 'query', required: !z.safeParse(field, undefined).success, ...(description ? { description } : {}), schema };
  });
  const parameters = [...pathParameters, ...queryParameters, ...headerParameters];
  const body = contract.request
    ? { required: true, description: `JSON, at most ${MAX_BODY_BYTES / 1024} KB.`, content: { 'application/json': { schema: schemaRef(contract.request, requests, 'input') } } }
    : contract.rawRequest
      ? { required: true, description: contract.rawRequest.description, content: { 'application/json': { schema: schemaRef(contract.rawRequest.body, requests, 'input') } } }
      : undefined;
  const { success } = contract;
  return {
    operationId: route.id,
    summary: contract.summary,
    ...(contract.description ? { description: contract.description } : {}),
    security: SECURITY[route.auth],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(body ? { requestBody: body } : {}),
    responses: {
      [String(success.status)]: {
        description: success.description,
        ...(success.headers ? { headers: headerObjects(success.headers) } : {}),
        ...(success.body ? { content: { [success.mediaType ?? 'application/json']: { schema: schemaRef(success.body, responses, 'output') } } } : {}),
      },
      ...errorResponses(errorCodesOf(route, contract)),
    },
  };
}

/**
 * The OpenAPI 3.1 document of the REST API, from the route table and the contract entries. Throws when a
 * route has no entry, so a route cannot ship undocumented.
 */
export function buildOpenApiDocument(routes: readonly RouteDefinition[] = ROUTES, contracts: Readonly<Record<string, RouteContract>> = ROUTE_CONTRACTS): Json {
  const requests = namedSchemas(requestSchemas);
  const responses = namedSchemas(responseSchemas);
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const contract = contracts[route.id];
    if (!contract) throw new Error(`Route ${route.id} has no contract entry in lambdas/api/contract/entries.ts`);
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route, contract, requests, responses);
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'StackPro account API',
      version: '1.0.0',
      description:
        'Sign-up, log-in, sessions, customer status, billing and the Stripe webhook. Every error has the shape of ' +
        '`ErrorBody`; a known path called with a method it does not serve answers 405 `METHOD_NOT_ALLOWED` with `Allow`, ' +
        'an unknown path 404 `NOT_FOUND`. Every path answers CORS preflights (OPTIONS) for the frontend origin.',
    },
    paths,
    components: {
      schemas: { ...components(requests, 'input'), ...components(responses, 'output') },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The `accessToken` from signup, login or refresh.' },
        sigv4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: "AWS Signature Version 4 with an operator's IAM credentials (the StackProAdmin policy allows these routes).",
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
    },
  };
}

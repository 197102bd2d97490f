import middy from '@middy/core';
import { cleanupMiddlewares } from '@aws-lambda-powertools/commons';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { z } from 'zod';
import { config } from '../config';
import { annotateTrace, logger, tracer } from '../observability';
import { toErrorResponse } from './http-errors';
import { parseJsonBody, type RequestSchema } from './validation';

export interface HttpRequest<Body> {
  readonly body: Body;
  readonly event: APIGatewayProxyEvent;
  readonly context: Context;
}

export interface HttpResult {
  readonly statusCode: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** A body sent as is instead of JSON (the widget's script); `headers` then names its Content-Type. */
  readonly text?: string;
}

/** Headers a route decided on mid-request (a widget route's CORS origin, once allowed): on its answer and its errors alike. */
const decidedHeaders = new WeakMap<APIGatewayProxyEvent, Record<string, string>>();

/** Adds headers to whatever this request answers, success or error (they win over the standard ones). */
export function addResponseHeaders(event: APIGatewayProxyEvent, headers: Record<string, string>): void {
  decidedHeaders.set(event, { ...decidedHeaders.get(event), ...headers });
}

type RouteFn<Body> = (request: HttpRequest<Body>) => Promise<HttpResult>;

/** Headers on every API response: JSON, never cached (tokens and account data), CORS for our frontend. */
function standardHeaders(): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Access-Control-Allow-Origin': config.frontendOrigin(),
    Vary: 'Origin',
  };
}

function toProxyResult(result: HttpResult, event: APIGatewayProxyEvent): APIGatewayProxyResult {
  return {
    statusCode: result.statusCode,
    headers: { ...standardHeaders(), ...decidedHeaders.get(event), ...result.headers },
    body: result.text ?? (result.body === undefined ? '' : JSON.stringify(result.body)),
  };
}

/**
 * Every route handler goes through here: logging context, an X-Ray subsegment annotated with the route and
 * the caller's customer id (never the response: it can hold tokens and account data), and one place that
 * maps errors to responses.
 */
function wrap(fn: (event: APIGatewayProxyEvent, context: Context) => Promise<HttpResult>) {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use({ before: (request) => annotateTrace(routeAnnotations(request.event)) })
    .use({
      onError: async (request) => {
        const { statusCode, headers, body } = toErrorResponse(request.error);
        const response = toProxyResult({ statusCode, headers, body }, request.event);
        if (statusCode >= 500) {
          // The tracer's own onError runs next and records the fault on the route's subsegment.
          request.response = response;
          return undefined;
        }
        // A refused request is an answer, not a fault: flag it as an X-Ray client error, then return early
        // (Powertools' cleanup closes the subsegment and resets the logger, without recording a fault).
        tracer.getSegment()?.addErrorFlag();
        await cleanupMiddlewares(request);
        return response;
      },
    })
    .handler(async (event, context) => toProxyResult(await fn(event, context), event));
}

/** Searchable ids only: the route, and for authorized routes the customer the authorizer vouched for. */
function routeAnnotations(event: APIGatewayProxyEvent): Record<string, string | undefined> {
  const customerId: unknown = event.requestContext?.authorizer?.customerId;
  return { route: `${event.httpMethod} ${event.resource}`, customerId: typeof customerId === 'string' ? customerId : undefined };
}

/** A route whose request has a JSON body, validated by `schema` before `fn` runs. */
export function jsonRoute<S extends RequestSchema>(schema: S, fn: RouteFn<z.output<S>>) {
  return wrap((event, context) => fn({ body: parseJsonBody(event, schema), event, context }));
}

/** A route without a request body. */
export function route(fn: RouteFn<undefined>) {
  return wrap((event, context) => fn({ body: undefined, event, context }));
}

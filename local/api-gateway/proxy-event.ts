import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { RouteDefinition } from '../../lambdas/api/routes';
import { LOCAL_ACCOUNT_ID } from '../local-env';

export const LOCAL_API_ID = 'local';
export const LOCAL_STAGE = 'local';

/** The parts of an HTTP request the proxy event is made of, as Node received them. */
export interface ProxyRequest {
  readonly method: string;
  /** The path without the query string, as sent (not decoded). */
  readonly path: string;
  readonly query: string;
  /** Node's `rawHeaders`: alternating names and values, with the client's casing. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly requestId: string;
  readonly requestTimeEpoch: number;
}

/**
 * Builds the event API Gateway REST sends a Lambda proxy integration (payload format 1.0): single and
 * multi-value headers and query parameters, decoded path parameters, and a body that is text for
 * text and JSON content and base64 for anything else.
 */
export function buildProxyEvent(
  request: ProxyRequest,
  route: RouteDefinition,
  pathParameters: Record<string, string>,
  authorizer: APIGatewayProxyEvent['requestContext']['authorizer'],
): APIGatewayProxyEvent {
  const { headers, multiValueHeaders } = collectHeaders(request.rawHeaders);
  // API Gateway tells the backend how the client reached it; locally that is plain HTTP.
  if (findHeader(multiValueHeaders, 'x-forwarded-proto') === undefined) {
    headers['X-Forwarded-Proto'] = 'http';
    multiValueHeaders['X-Forwarded-Proto'] = ['http'];
  }
  const query = collectQuery(request.query);
  const binary = request.body.length > 0 && !isTextContent(findHeader(multiValueHeaders, 'content-type'));
  const host = findHeader(multiValueHeaders, 'host');
  return {
    resource: route.path,
    path: request.path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query.single,
    multiValueQueryStringParameters: query.multi,
    pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : null,
    stageVariables: null,
    body: request.body.length === 0 ? null : request.body.toString(binary ? 'base64' : 'utf8'),
    isBase64Encoded: binary,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: LOCAL_API_ID,
      authorizer,
      domainName: host,
      httpMethod: request.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent: findHeader(multiValueHeaders, 'user-agent') ?? null,
        userArn: null,
      },
      // The local server has no stage prefix in its URLs (like a custom domain), so the full path is the path.
      path: request.path,
      protocol: 'HTTP/1.1',
      requestId: request.requestId,
      requestTime: formatRequestTime(request.requestTimeEpoch),
      requestTimeEpoch: request.requestTimeEpoch,
      resourceId: route.id,
      resourcePath: route.path,
      stage: LOCAL_STAGE,
    },
  };
}

function collectHeaders(rawHeaders: readonly string[]) {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const [name, value] = [rawHeaders[i], rawHeaders[i + 1]];
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  return { headers, multiValueHeaders };
}

/** API Gateway gives `null` (not `{}`) when there is no query string. */
function collectQuery(query: string) {
  const params = new URLSearchParams(query);
  if ([...params.keys()].length === 0) return { single: null, multi: null };
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of params) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { single, multi };
}

function findHeader(multiValueHeaders: Record<string, string[]>, name: string): string | undefined {
  const key = Object.keys(multiValueHeaders).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : multiValueHeaders[key].at(-1);
}

const TEXT_TYPES = [/^text\//, /^application\/(.+\+)?json\b/, /^application\/(.+\+)?xml\b/, /^application\/x-www-form-urlencoded\b/, /^application\/javascript\b/];

/**
 * Whether API Gateway passes the body as text: JSON and text types (what our API takes), and a body with
 * no content type at all. Anything else arrives base64-encoded, as it would with binary media types set.
 */
export function isTextContent(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const normalized = contentType.trim().toLowerCase();
  return TEXT_TYPES.some((pattern) => pattern.test(normalized));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestTime`: `09/Apr/2015:12:34:56 +0000`. */
export function formatRequestTime(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

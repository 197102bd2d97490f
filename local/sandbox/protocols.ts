import { randomUUID } from 'node:crypto';
import { AwsServiceError } from '../edge/aws-json';
import type { EdgeRequest, EdgeResponse, EdgeService } from '../edge/edge-service';
import type { ServiceFaults } from './faults';
import { el, type XmlChild, xmlDocument, withNamespace } from './xml';

/**
 * Response and error encoders for the wire protocols the sandbox speaks besides awsJson (which lives in
 * edge/aws-json.ts), checked against the SDK v3 deserializers in @aws-sdk/core/protocols:
 * - ec2Query (EC2): form-encoded request, `<ActionResponse>` XML with `...Set/item` lists; errors as
 *   `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`.
 * - restXml (Route 53): errors as `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`.
 * - restJson (SESv2): error type in the `x-amzn-errortype` header, `{"message"}` in the body.
 */
export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';
export const ROUTE53_NAMESPACE = 'https://route53.amazonaws.com/doc/2013-04-01/';

const XML_CONTENT_TYPE = 'text/xml;charset=UTF-8';

/** The form body of an ec2Query request, as name/value pairs. */
export function parseForm(body: Buffer): URLSearchParams {
  return new URLSearchParams(body.toString('utf8'));
}

/** `Prefix.1`, `Prefix.2`, ... in index order (ec2Query flattens lists like this). */
export function listParam(params: URLSearchParams, prefix: string): string[] {
  return indexedEntries(params, prefix)
    .filter(([rest]) => rest === '')
    .map(([, , value]) => value);
}

/** `Prefix.N.Member...` grouped by N, each group keyed by the part after `Prefix.N.` (`Name`, `Value.1`). */
export function structListParam(params: URLSearchParams, prefix: string): URLSearchParams[] {
  const groups = new Map<number, URLSearchParams>();
  for (const [rest, index, value] of indexedEntries(params, prefix)) {
    if (rest === '') continue;
    const group = groups.get(index) ?? new URLSearchParams();
    group.append(rest.slice(1), value);
    groups.set(index, group);
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
}

function indexedEntries(params: URLSearchParams, prefix: string): Array<[string, number, string]> {
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)(.*)$`);
  const found: Array<[string, number, string]> = [];
  for (const [key, value] of params) {
    const match = pattern.exec(key);
    if (match) found.push([match[2], Number(match[1]), value]);
  }
  return found.sort((a, b) => a[1] - b[1]);
}

export function ec2Response(action: string, members: XmlChild[], requestId = randomUUID()): EdgeResponse {
  const root = withNamespace(el(`${action}Response`, el('requestId', requestId), ...members), EC2_NAMESPACE);
  return { statusCode: 200, headers: { 'content-type': XML_CONTENT_TYPE, 'x-amzn-requestid': requestId }, body: xmlDocument(root) };
}

export function ec2Error(error: AwsServiceError, requestId = randomUUID()): EdgeResponse {
  const root = el(
    'Response',
    el('Errors', el('Error', el('Code', error.code), el('Message', error.message))),
    el('RequestID', requestId),
  );
  return { statusCode: error.statusCode, headers: { 'content-type': XML_CONTENT_TYPE, 'x-amzn-requestid': requestId }, body: xmlDocument(root) };
}

export function restXmlResponse(root: ReturnType<typeof el>, requestId = randomUUID(), statusCode = 200): EdgeResponse {
  return {
    statusCode,
    headers: { 'content-type': XML_CONTENT_TYPE, 'x-amzn-requestid': requestId },
    body: xmlDocument(withNamespace(root, ROUTE53_NAMESPACE)),
  };
}

export function restXmlError(error: AwsServiceError, requestId = randomUUID()): EdgeResponse {
  const type = error.statusCode >= 500 ? 'Receiver' : 'Sender';
  const root = el(
    'ErrorResponse',
    el('Error', el('Type', type), el('Code', error.code), el('Message', error.message)),
    el('RequestId', requestId),
  );
  return restXmlResponse(root, requestId, error.statusCode);
}

export function restJsonResponse(statusCode: number, body: unknown, requestId = randomUUID()): EdgeResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId },
    body: body === undefined ? '{}' : JSON.stringify(body),
  };
}

export function restJsonError(error: AwsServiceError, requestId = randomUUID()): EdgeResponse {
  return {
    statusCode: error.statusCode,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': error.code },
    body: JSON.stringify({ message: error.message }),
  };
}

/**
 * Runs an operation and encodes a modelled error with the protocol's encoder; anything else is an
 * emulator bug, reported loudly and answered as AWS answers an internal failure (500, retried by the SDK).
 */
export async function answer(
  run: () => Promise<EdgeResponse> | EdgeResponse,
  encodeError: (error: AwsServiceError) => EdgeResponse,
  what: string,
): Promise<EdgeResponse> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AwsServiceError) return encodeError(error);
    console.error(`[sandbox] ${what} failed:`, error);
    return encodeError(new AwsServiceError('InternalError', `The local sandbox failed: ${String(error)}`, 500));
  }
}

/** ISO-8601 with milliseconds, the default timestamp format of the XML protocols. */
export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** One operation of a REST-style service (Route 53, SESv2), matched from the method and path. */
export interface RestRoute {
  readonly action: string;
  readonly method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  readonly path: RegExp;
  /** `match` is the path's match, its groups the path parameters (still URI-encoded). */
  readonly run: (request: EdgeRequest, match: RegExpExecArray) => Promise<EdgeResponse> | EdgeResponse;
}

/** The actions a route table serves, each once: what the service accepts faults for. */
export function routeActions(routes: readonly RestRoute[]): string[] {
  return [...new Set(routes.map((route) => route.action))];
}

/**
 * A REST-style service from its route table: an unmatched route answers UnknownOperationException,
 * then an injected fault, then the action's own answer, every error in the protocol's shape.
 */
export function restRouteService(
  routes: readonly RestRoute[],
  service: { readonly label: string; readonly faults: ServiceFaults; readonly encodeError: (error: AwsServiceError) => EdgeResponse },
): EdgeService {
  return {
    handle(request: EdgeRequest): Promise<EdgeResponse> {
      let match: RegExpExecArray | null = null;
      const found = routes.find((route) => route.method === request.method && (match = route.path.exec(request.path)) !== null);
      return answer(
        () => {
          if (!found || !match) throw new AwsServiceError('UnknownOperationException', `The local sandbox does not emulate ${request.method} ${request.path}`, 404);
          service.faults.raise(found.action);
          return found.run(request, match);
        },
        service.encodeError,
        `${service.label} ${found?.action ?? request.path}`,
      );
    },
  };
}

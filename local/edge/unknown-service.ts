import { randomUUID } from 'node:crypto';
import { xmlDocument, el } from '../sandbox/xml';
import type { EdgeRequest, EdgeResponse } from './edge-service';

/**
 * How a service the edge does not emulate is told so, in that service's own wire protocol: the AWS CLI and
 * the SDKs parse an error by the protocol they expect, and a JSON body where XML is expected reads as
 * "invalid XML" instead of the message. The protocol is read from the request itself where it shows
 * (awsJson's X-Amz-Target, rpcv2Cbor's Smithy-Protocol header, awsQuery's form body), else from the
 * signing name for the REST services (restXml or restJson).
 */
export type WireProtocol = 'awsJson' | 'rpcv2Cbor' | 'ec2Query' | 'awsQuery' | 'restXml' | 'restJson';

/** REST services that speak XML; every other REST service (Lambda, API Gateway, SESv2...) speaks JSON. */
const REST_XML_SERVICES = new Set(['s3', 'route53', 'cloudfront', 's3-outposts']);

export function detectProtocol(service: string, request: Pick<EdgeRequest, 'headers' | 'body' | 'query'>): WireProtocol {
  if (request.headers['x-amz-target']) return 'awsJson';
  if (request.headers['smithy-protocol'] === 'rpc-v2-cbor') return 'rpcv2Cbor';
  const contentType = request.headers['content-type'] ?? '';
  const form = contentType.startsWith('application/x-www-form-urlencoded');
  const action = form ? new URLSearchParams(request.body.toString('utf8')).get('Action') : request.query.get('Action');
  if (action) return service === 'ec2' ? 'ec2Query' : 'awsQuery';
  return REST_XML_SERVICES.has(service) ? 'restXml' : 'restJson';
}

/** The operation name when the protocol carries one (for the message), else the method and path. */
function operationOf(protocol: WireProtocol, request: EdgeRequest): string {
  if (protocol === 'awsJson') return String(request.headers['x-amz-target']);
  if (protocol === 'rpcv2Cbor') return request.path.split('/').pop() ?? request.path;
  if (protocol === 'ec2Query' || protocol === 'awsQuery') {
    const form = new URLSearchParams(request.body.toString('utf8'));
    return form.get('Action') ?? request.query.get('Action') ?? '(no Action)';
  }
  return `${request.method} ${request.path}`;
}

/**
 * An error in the protocol the caller speaks. `code` becomes the exception name the SDK raises
 * (`UnknownOperationException`), `message` what the CLI prints after it.
 */
export function protocolError(protocol: WireProtocol, status: number, code: string, message: string): EdgeResponse {
  const requestId = randomUUID();
  const base = { 'x-amzn-requestid': requestId };
  switch (protocol) {
    case 'awsJson':
      return {
        statusCode: status,
        headers: { ...base, 'content-type': 'application/x-amz-json-1.1' },
        body: JSON.stringify({ __type: `com.amazonaws.local#${code}`, message }),
      };
    case 'rpcv2Cbor':
      return {
        statusCode: status,
        headers: { ...base, 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' },
        body: cborErrorBody(code, message),
        binary: true,
      };
    case 'ec2Query':
      return {
        statusCode: status,
        headers: { ...base, 'content-type': 'text/xml;charset=UTF-8' },
        body: xmlDocument(el('Response', el('Errors', el('Error', el('Code', code), el('Message', message))), el('RequestID', requestId))),
      };
    case 'awsQuery':
    case 'restXml':
      return {
        statusCode: status,
        headers: { ...base, 'content-type': 'text/xml;charset=UTF-8' },
        body: xmlDocument(el('ErrorResponse', el('Error', el('Type', 'Sender'), el('Code', code), el('Message', message)), el('RequestId', requestId))),
      };
    case 'restJson':
      return {
        statusCode: status,
        headers: { ...base, 'content-type': 'application/json', 'x-amzn-errortype': code },
        body: JSON.stringify({ message }),
      };
  }
}

/**
 * A service with no emulation here: UnknownOperationException (400), saying which services the edge does
 * answer (by signing name), so the reader knows it is the local stack talking and not AWS.
 */
export function unknownServiceError(service: string, request: EdgeRequest, emulated: readonly string[]): EdgeResponse {
  const protocol = detectProtocol(service, request);
  const operation = operationOf(protocol, request);
  return protocolError(
    protocol,
    400,
    'UnknownOperationException',
    `The StackPro local stack does not emulate the "${service}" service (${operation}). It answers: ${[...emulated].sort().join(', ')}; DynamoDB has its own port.`,
  );
}

/**
 * A CBOR map of two text strings, `{"__type", "message"}`: the whole of an rpcv2Cbor error body. Written by
 * hand (major type 5 map, major type 3 text) rather than pulling in a CBOR library for one shape.
 */
function cborErrorBody(code: string, message: string): string {
  const text = (value: string) => {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([cborHead(3, bytes.length), bytes]);
  };
  return Buffer.concat([cborHead(5, 2), text('__type'), text(code), text('message'), text(message)]).toString('latin1');
}

function cborHead(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 256) return Buffer.from([(major << 5) | 24, length]);
  const head = Buffer.alloc(3);
  head[0] = (major << 5) | 25;
  head.writeUInt16BE(length, 1);
  return head;
}

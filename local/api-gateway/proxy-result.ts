import type { AdapterResponse } from './responses';

interface ProxyResultShape {
  statusCode: number;
  headers?: Record<string, unknown>;
  multiValueHeaders?: Record<string, unknown[]>;
  body?: unknown;
  isBase64Encoded?: boolean;
}

/**
 * Turns a handler's APIGatewayProxyResult into the HTTP response API Gateway would send, or undefined
 * when API Gateway would reject it as a malformed proxy response (it answers 502 then).
 */
export function fromProxyResult(result: unknown): AdapterResponse | undefined {
  if (!isProxyResult(result)) return undefined;
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (value !== undefined && value !== null) headers[name.toLowerCase()] = String(value);
  }
  // multiValueHeaders add to headers of the same name, as API Gateway merges them.
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    const key = name.toLowerCase();
    const existing = headers[key] === undefined ? [] : ([] as string[]).concat(headers[key]);
    headers[key] = [...existing, ...values.map(String)];
  }
  headers['content-type'] ??= 'application/json';
  const body = result.body === undefined || result.body === null ? '' : String(result.body);
  return {
    statusCode: result.statusCode,
    headers,
    body: Buffer.from(body, result.isBase64Encoded ? 'base64' : 'utf8'),
  };
}

function isProxyResult(value: unknown): value is ProxyResultShape {
  if (!value || typeof value !== 'object') return false;
  const candidate = value as Partial<ProxyResultShape>;
  return (
    Number.isInteger(candidate.statusCode) &&
    (candidate.statusCode as number) >= 100 &&
    (candidate.statusCode as number) <= 599 &&
    (candidate.multiValueHeaders === undefined ||
      Object.values(candidate.multiValueHeaders).every((values) => Array.isArray(values)))
  );
}

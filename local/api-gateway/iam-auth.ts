import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { IncomingHttpHeaders } from 'node:http';

/** The credentials the local stack hands its Lambdas and accepts from operators (bin/stackpro.ts). */
export const LOCAL_OPERATOR = {
  accessKeyId: 'local',
  secretAccessKey: 'local',
  userArn: 'arn:aws:iam::000000000000:user/local-operator',
};

export type IamOutcome =
  | { readonly kind: 'allow'; readonly accessKey: string; readonly userArn: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid' };

const AUTH_HEADER = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/execute-api\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/**
 * API Gateway's IAM authorization, locally: the request must carry a SigV4 signature for `execute-api`
 * made with the local operator's credentials. The signature is recomputed over exactly the headers the
 * client signed and compared, so a tampered path, body or header is refused like in AWS.
 */
export async function verifyIamSignature(request: {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}): Promise<IamOutcome> {
  const header = request.headers.authorization;
  if (!header) return { kind: 'missing' };
  const match = AUTH_HEADER.exec(header);
  const amzDate = request.headers['x-amz-date'];
  if (!match || typeof amzDate !== 'string') return { kind: 'invalid' };
  const [, accessKey, , region, signedHeaders, signature] = match;
  if (accessKey !== LOCAL_OPERATOR.accessKeyId) return { kind: 'invalid' };
  const signingDate = parseAmzDate(amzDate);
  // AWS refuses signatures more than 5 minutes off.
  if (!signingDate || Math.abs(Date.now() - signingDate.getTime()) > 5 * 60_000) return { kind: 'invalid' };

  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(';')) {
    const value = request.headers[name];
    if (value === undefined) return { kind: 'invalid' };
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(request.query.keys())) {
    const values = request.query.getAll(key);
    query[key] = values.length === 1 ? values[0] : values;
  }
  const signer = new SignatureV4({
    service: 'execute-api',
    region,
    credentials: { accessKeyId: LOCAL_OPERATOR.accessKeyId, secretAccessKey: LOCAL_OPERATOR.secretAccessKey },
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });
  const signed = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: headers.host ?? 'localhost', path: request.path, query, headers, body: request.body },
    { signingDate },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1];
  return expected === signature ? { kind: 'allow', accessKey, userArn: LOCAL_OPERATOR.userArn } : { kind: 'invalid' };
}

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : undefined;
}

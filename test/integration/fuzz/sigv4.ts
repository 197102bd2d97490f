import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { LOCAL_OPERATOR } from '../../../local/api-gateway/iam-auth';

export interface SignOptions {
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly service?: string;
  readonly signingDate?: Date;
}

/**
 * The headers of an `execute-api` SigV4 signature over exactly this request (host, path, query, body),
 * with the local operator's credentials unless told otherwise: the admin routes' authentication.
 */
export async function sigV4Headers(
  request: { method: string; host: string; path: string; query: string; headers: Record<string, string>; body: Buffer },
  options: SignOptions = {},
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: options.service ?? 'execute-api',
    region: 'us-east-1',
    credentials: {
      accessKeyId: options.accessKeyId ?? LOCAL_OPERATOR.accessKeyId,
      secretAccessKey: options.secretAccessKey ?? LOCAL_OPERATOR.secretAccessKey,
    },
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });
  const query: Record<string, string | string[]> = {};
  const params = new URLSearchParams(request.query);
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    query[key] = values.length === 1 ? values[0] : values;
  }
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: request.host,
      path: request.path,
      query,
      headers: { ...request.headers, host: request.host },
      body: request.body,
    },
    { signingDate: options.signingDate },
  );
  return signed.headers as Record<string, string>;
}

import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { SFNClient } from '@aws-sdk/client-sfn';
import { LOCAL_OPERATOR } from '../local/api-gateway/iam-auth';

/** The local stack's API: signed with the local operator's key, never with real AWS credentials. */
export function isLocalApi(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/**
 * The region to sign for: the one in an execute-api host name, else the SDK's own resolution (AWS_REGION,
 * then the profile's `region`), as every AWS client resolves it.
 */
export async function signingRegion(url: URL): Promise<string> {
  if (isLocalApi(url)) return 'us-east-1';
  const fromHost = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1];
  if (fromHost) return fromHost;
  // Any SDK v3 client resolves the region from the environment and the shared config file.
  const client = new SFNClient({});
  try {
    return await client.config.region();
  } catch {
    throw new Error('No AWS region: set AWS_REGION or a region in your profile (or use the execute-api URL)');
  } finally {
    client.destroy();
  }
}

/**
 * A SigV4-signed (`execute-api`) request to an IAM-authorized admin route: with the default AWS credential
 * chain for a deployed API, with the local operator's credentials for the local stack. The query string and
 * an optional JSON body are signed too.
 */
export async function signedFetch(method: string, url: URL, body?: unknown): Promise<Response> {
  const local = isLocalApi(url);
  const region = await signingRegion(url);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const signer = new SignatureV4({
    service: 'execute-api',
    region,
    credentials: local ? { accessKeyId: LOCAL_OPERATOR.accessKeyId, secretAccessKey: LOCAL_OPERATOR.secretAccessKey } : defaultProvider(),
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { host: url.host, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(payload !== undefined ? { body: payload } : {}),
  });
  return fetch(url, { method, headers: signed.headers as Record<string, string>, ...(payload !== undefined ? { body: payload } : {}) });
}

import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { LOCAL_OPERATOR } from '../local/api-gateway/iam-auth';

/**
 * A SigV4-signed (`execute-api`) request to an IAM-authorized admin route: with the default AWS credential
 * chain for a deployed API, with the local operator's credentials for the local stack.
 */
export async function signedFetch(method: string, url: URL): Promise<Response> {
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  const region = local ? 'us-east-1' : (/\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1] ?? process.env.AWS_REGION ?? 'us-east-1');
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
    headers: { host: url.host },
  });
  return fetch(url, { method, headers: signed.headers as Record<string, string> });
}

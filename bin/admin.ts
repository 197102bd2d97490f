/**
 * The operators' command line for the admin API routes, which API Gateway guards with IAM auth:
 *
 *   npm run admin -- retry-provisioning <customerId> [--api <url>]
 *
 * and for the JWT signing key (bin/rotate-signing-key.ts):
 *
 *   npm run admin -- rotate-signing-key [--secret-id <SigningKeySecretArn>] [--edge <local edge url>]
 *
 * It signs each request with SigV4 (`execute-api`) using the default AWS credential chain (your profile,
 * SSO or role; the principal needs the stack's AdminAccess policy). Against the local stack
 * (localhost), it signs with the local operator credentials instead, so no AWS account is involved.
 */
import { signedFetch } from './admin-request';
import { runRotateSigningKey } from './rotate-signing-key';

const USAGE = [
  'usage: npm run admin -- retry-provisioning <customerId> [--api <url>]',
  '       npm run admin -- rotate-signing-key [--secret-id <SigningKeySecretArn>] [--edge <url>]',
].join('\n');

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'rotate-signing-key') return runRotateSigningKey(argv.slice(1), process.env);
  const apiIndex = argv.indexOf('--api');
  const api = apiIndex >= 0 ? argv[apiIndex + 1] : (process.env.STACKPRO_API_URL ?? `http://localhost:${process.env.PORT ?? 3000}`);
  const [command, customerId] = argv.filter((_, i) => i !== apiIndex && i !== apiIndex + 1);
  if (command !== 'retry-provisioning' || !customerId || !api) {
    console.error(USAGE);
    return 2;
  }
  const base = api.endsWith('/') ? api : `${api}/`;
  const url = new URL(`admin/customers/${encodeURIComponent(customerId)}/provisioning/retry`, base);
  const response = await signedFetch('POST', url);
  const text = await response.text();
  console.log(`${response.status} ${text}`);
  return response.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`admin: ${error.message}`);
    process.exit(1);
  },
);

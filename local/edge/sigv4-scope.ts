/** The parts of a SigV4 credential scope: `AKID/20240101/us-east-1/states/aws4_request`. */
export interface CredentialScope {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  /** The signing name: `states` for Step Functions, `secretsmanager`, `ses` for SESv2, `ec2`, ... */
  readonly service: string;
}

const CREDENTIAL_IN_HEADER = /Credential=([^,\s]+)/;

/**
 * Which AWS service a request is for, from its signature. Every SDK client signs with its service's
 * signing name, so one port can serve them all (as LocalStack does); region says nothing about the service.
 * Presigned URLs carry the same scope in `X-Amz-Credential`.
 */
export function parseCredentialScope(
  authorization: string | undefined,
  query?: URLSearchParams,
): CredentialScope | undefined {
  const fromHeader = authorization?.startsWith('AWS4-') ? CREDENTIAL_IN_HEADER.exec(authorization)?.[1] : undefined;
  const credential = fromHeader ?? query?.get('X-Amz-Credential') ?? undefined;
  if (!credential) return undefined;
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') return undefined;
  const [accessKeyId, date, region, service] = parts;
  return { accessKeyId, date, region, service };
}

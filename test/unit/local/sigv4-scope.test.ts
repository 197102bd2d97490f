import { parseCredentialScope } from '../../../local/edge/sigv4-scope';

describe('parseCredentialScope', () => {
  it('reads the service from the Authorization header credential scope', () => {
    const header =
      'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/states/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';

    expect(parseCredentialScope(header)).toEqual({ accessKeyId: 'local', date: '20260101', region: 'us-east-1', service: 'states' });
  });

  it('routes by service, whatever the region says', () => {
    const header = 'AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-3/secretsmanager/aws4_request, SignedHeaders=host, Signature=x';

    expect(parseCredentialScope(header)?.service).toBe('secretsmanager');
  });

  it('reads a presigned URL scope from X-Amz-Credential', () => {
    const query = new URLSearchParams({ 'X-Amz-Credential': 'AKID/20260101/us-east-1/ses/aws4_request' });

    expect(parseCredentialScope(undefined, query)?.service).toBe('ses');
  });

  it.each([
    ['no header', undefined],
    ['a non-SigV4 scheme', 'Bearer abc.def'],
    ['a scope without aws4_request', 'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/states, Signature=x'],
  ])('returns undefined for %s', (_case, header) => {
    expect(parseCredentialScope(header)).toBeUndefined();
  });
});

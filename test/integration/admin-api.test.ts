import { signedFetch } from '../../bin/admin-request';
import { apiBase, call, newSignup, signUpVerified } from './api-client';

const retryUrl = (customerId: string) => new URL(`${apiBase()}/admin/customers/${customerId}/provisioning/retry`);

/** The operators' admin route, IAM-authorized: SigV4 signatures verified by the local adapter. */
describe('admin API', () => {
  it('hides the route from unsigned requests, as API Gateway IAM auth does (404 here)', async () => {
    const res = await call('POST', '/admin/customers/x/provisioning/retry');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('refuses a forged or tampered signature with 403', async () => {
    const res = await call('POST', '/admin/customers/x/provisioning/retry', {
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=local/20261125/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
        'x-amz-date': new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''),
      },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
  });

  it('refuses to retry a customer whose provisioning has not failed (409) or who does not exist (404)', async () => {
    const created = await signUpVerified(newSignup());
    const busy = await signedFetch('POST', retryUrl(created.body.customerId));
    expect(busy.status).toBe(409);
    expect(((await busy.json()) as { error: { code: string } }).error.code).toBe('INVALID_STATE');

    const ghost = await signedFetch('POST', retryUrl('00000000-0000-4000-8000-000000000000'));
    expect(ghost.status).toBe(404);
  });
});

import { clearCaches } from '@aws-lambda-powertools/parameters';
import { handler } from '../../../lambdas/api/refresh-session';
import { InvalidRefreshTokenError } from '../../../lambdas/core/errors';
import type * as Sessions from '../../../lambdas/repositories/sessions';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';
import { useTestSigningKey } from '../helpers/signing-key';

// Spending the token (one of a burst, reuse revokes the family, a logged-out session or a token past its
// session refused) is the sessions repository's: test/unit/repositories/sessions.test.ts.
const rotateRefreshToken = jest.fn<ReturnType<typeof Sessions.rotateRefreshToken>, Parameters<typeof Sessions.rotateRefreshToken>>();
jest.mock('../../../lambdas/repositories/sessions', () => ({
  rotateRefreshToken: (...args: Parameters<typeof Sessions.rotateRefreshToken>) => rotateRefreshToken(...args),
}));

const TOKEN = 'presented-refresh-token';
const refresh = (json: unknown) => handler(apiEvent({ path: '/auth/refresh', json }), lambdaContext);
const next = { familyId: 'fam-1', refreshToken: 'next-refresh-token', refreshTokenHash: 'h', expiresAtMs: Date.now() + 60_000, sessionExpiresAtMs: Date.now() + 60_000 };

beforeAll(async () => {
  await useTestSigningKey();
});

beforeEach(() => {
  clearCaches();
  rotateRefreshToken.mockReset().mockResolvedValue({ customerId: 'cust-1', session: next });
});

describe('POST /auth/refresh', () => {
  it('spends the presented token and answers the next pair of the same session', async () => {
    const res = await refresh({ refreshToken: TOKEN });
    expect(res.statusCode).toBe(200);
    expect(rotateRefreshToken).toHaveBeenCalledWith(TOKEN, expect.any(Number));
    const body = bodyOf(res);
    expect(body).toMatchObject({ customerId: 'cust-1', refreshToken: 'next-refresh-token', tokenType: 'Bearer', expiresIn: 900 });
    // The access token is the refreshed session's customer's.
    expect(JSON.parse(Buffer.from(body.accessToken.split('.')[1], 'base64url').toString()).sub).toBe('cust-1');
  });

  it('answers 401 INVALID_REFRESH_TOKEN for a token the repository refuses (unknown, expired, spent, revoked, logged out)', async () => {
    rotateRefreshToken.mockRejectedValue(new InvalidRefreshTokenError());
    const res = await refresh({ refreshToken: TOKEN });
    expect(res.statusCode).toBe(401);
    expect(bodyOf(res).error.code).toBe('INVALID_REFRESH_TOKEN');
    expect(bodyOf(res)).not.toHaveProperty('accessToken');
  });

  it('refuses a body without a refresh token before touching any session', async () => {
    const res = await refresh({});
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.details).toEqual([{ field: 'refreshToken', message: 'refreshToken is required.' }]);
    expect(rotateRefreshToken).not.toHaveBeenCalled();
  });
});

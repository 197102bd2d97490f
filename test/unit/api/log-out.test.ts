import { handler as logOutAllHandler } from '../../../lambdas/api/log-out-all';
import { handler as logOutHandler } from '../../../lambdas/api/log-out';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

// What logging out writes is the sessions repository's (test/unit/repositories/sessions.test.ts).
const endSessionOf = jest.fn(async () => undefined);
const revokeAllSessions = jest.fn(async () => 3);
jest.mock('../../../lambdas/repositories/sessions', () => ({
  endSessionOf: (...args: unknown[]) => endSessionOf(...(args as [])),
  revokeAllSessions: (...args: unknown[]) => revokeAllSessions(...(args as [])),
}));

const TOKEN = 'a-refresh-token';
const logOut = (json: unknown) => logOutHandler(apiEvent({ path: '/auth/logout', json }), lambdaContext);
const logOutAll = (customerId?: string) => logOutAllHandler(apiEvent({ path: '/auth/logout-all', customerId }), lambdaContext);

beforeEach(() => {
  endSessionOf.mockClear();
  revokeAllSessions.mockClear();
});

describe('POST /auth/logout', () => {
  it('ends the session the refresh token belongs to, answering 204 with no body', async () => {
    const res = await logOut({ refreshToken: TOKEN });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(endSessionOf).toHaveBeenCalledWith(TOKEN, expect.any(Number));
  });

  it('answers the same 204 for a token it does not know (the repository changes nothing for it)', async () => {
    const res = await logOut({ refreshToken: 'never-issued' });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
  });

  it('refuses a body without a refresh token', async () => {
    const res = await logOut({});
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.details).toEqual([{ field: 'refreshToken', message: 'refreshToken is required.' }]);
    expect(endSessionOf).not.toHaveBeenCalled();
  });
});

describe('POST /auth/logout-all', () => {
  it("revokes every session of the caller's own account", async () => {
    const res = await logOutAll('cust-1');
    expect(res.statusCode).toBe(204);
    expect(revokeAllSessions).toHaveBeenCalledWith('cust-1', expect.any(Number));
  });

  it('answers 401 without an authorizer context', async () => {
    const res = await logOutAll(undefined);
    expect(res.statusCode).toBe(401);
    expect(revokeAllSessions).not.toHaveBeenCalled();
  });
});

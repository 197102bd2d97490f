import { createHash } from 'node:crypto';
import { frontendLink, hashOneTimeToken, newOneTimeToken } from '../../../lambdas/core/one-time-tokens';

describe('one-time tokens', () => {
  it('are 256 random bits in base64url, never repeated', () => {
    const tokens = new Set(Array.from({ length: 1_000 }, () => newOneTimeToken()));
    expect(tokens.size).toBe(1_000);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('are stored as their SHA-256 only', () => {
    const token = newOneTimeToken();
    expect(hashOneTimeToken(token)).toBe(createHash('sha256').update(token).digest('base64url'));
    expect(hashOneTimeToken(token)).not.toContain(token);
  });

  it('travel as a frontend link, whatever trailing slashes the origin has', () => {
    expect(frontendLink('https://app.example//', 'verify-email', 'a-b_c')).toBe('https://app.example/verify-email?token=a-b_c');
    expect(frontendLink('http://localhost:5173', 'reset-password', 'x')).toBe('http://localhost:5173/reset-password?token=x');
  });
});

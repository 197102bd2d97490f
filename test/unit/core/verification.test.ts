import { RESEND_LIMIT, decideResend, hashVerificationToken, newVerificationToken, verificationLink } from '../../../lambdas/core/verification';
import { verificationEmail } from '../../../lambdas/notifications/verification-email';
import { welcomeEmail } from '../../../lambdas/notifications/welcome-email';

describe('verification rules', () => {
  it('makes random 256-bit tokens and stores only their SHA-256', () => {
    const token = newVerificationToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newVerificationToken()).not.toBe(token);
    expect(hashVerificationToken(token)).not.toContain(token);
    expect(hashVerificationToken(token)).toBe(hashVerificationToken(token));
  });

  it('links to the frontend verify page', () => {
    expect(verificationLink('https://app.stackpro.io/', 'abc_-1')).toBe('https://app.stackpro.io/verify-email?token=abc_-1');
  });

  it('allows RESEND_LIMIT resends in any sliding hour', () => {
    const now = 10 * 3_600_000;
    expect(RESEND_LIMIT).toBe(3);
    expect(decideResend(undefined, now)).toEqual({ allowed: true, recent: [now] });
    expect(decideResend([now - 3_600_001, now - 10, now - 5], now)).toEqual({ allowed: true, recent: [now - 10, now - 5, now] });
    expect(decideResend([now - 1_800_000, now - 10, now - 5], now)).toEqual({ allowed: false, retryAfterSeconds: 1800 });
    // A concurrent resend stamped by a clock ahead of ours still means at most one hour's wait.
    expect(decideResend([now + 5, now + 6, now + 7], now)).toEqual({ allowed: false, retryAfterSeconds: 3600 });
  });
});

describe('emails before and after verification', () => {
  it('verification email: our words, the link and the token, in both parts', () => {
    const { subject, text, html } = verificationEmail('https://app.stackpro.io', 'tok_EN-1');
    expect(subject).toBe('Confirm your email address for StackPro');
    expect(text).toContain('https://app.stackpro.io/verify-email?token=tok_EN-1');
    expect(text).toContain('verification page: tok_EN-1');
    expect(html).toContain('href="https://app.stackpro.io/verify-email?token=tok_EN-1"');
  });

  it('welcome email (after verification): company and name HTML-escaped', () => {
    const { html, subject } = welcomeEmail({
      firstName: '<img src=x onerror=alert(1)>',
      company: 'Evil & Co <a href="http://phish.test">',
      subdomain: 'evil.customers.stackpro.test',
      plan: 'starter',
      trialEndsAt: '2026-12-08T00:00:00.000Z',
    });
    expect(html).toContain('Evil &amp; Co &lt;a href=&quot;http://phish.test&quot;&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<a href="http://phish.test"');
    expect(html).not.toContain('<img');
    expect(subject).not.toContain('Evil');
  });
});

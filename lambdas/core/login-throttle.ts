import type { UsageBudget } from './usage-budget';

/**
 * Brute-force protection for one email: at most MAX_PASSWORD_CHECKS password checks (right or wrong, for
 * an existing account or not) in a window of WINDOW_MS that opens at the first check. Each check is reserved
 * before the password is verified, so concurrent requests cannot overrun it; the rest are refused until the
 * window closes. A password reset clears it.
 */
export const MAX_PASSWORD_CHECKS = 10;
export const WINDOW_MS = 15 * 60 * 1000;

export const LOGIN_BUDGET: UsageBudget = { max: MAX_PASSWORD_CHECKS, windowMs: WINDOW_MS };

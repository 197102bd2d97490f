import type { GatewayErrorResponse } from './gateway-responses';

/**
 * Per-client request limits: the one definition behind the AWS WAF web ACL on the API stage
 * (lib/client-rate-limits.ts) and the local API adapter (local/api-gateway/rate-limiter.ts), so both count
 * the same requests against the same thresholds. Keyed on the client's IP address. The thresholds are far
 * above what our frontend sends (one login, a refresh every 15 minutes, a status poll every few seconds)
 * but make locking victims out (10 checks per email) or guessing at scale cost the attacker addresses.
 * A module without side effects, so CDK can import it.
 */
export interface ClientRateRule {
  /** Stable: the WAF rule name and its CloudWatch metric. */
  readonly name: string;
  /** Requests one client IP may send in `windowSeconds` before it is refused until its rate drops. */
  readonly limit: number;
  /** WAF's evaluation window (it allows 60, 120, 300 or 600 seconds). */
  readonly windowSeconds: 60 | 120 | 300 | 600;
  /** Route path prefixes (without the stage) the rule counts; absent: every request. */
  readonly pathPrefixes?: readonly string[];
}

/**
 * The routes a password guesser, a mailbox flooder or a signup farm would hammer. Prefixes, so
 * `/auth/password-reset` covers `/auth/password-reset/confirm`.
 */
export const AUTH_RATE_LIMITED_PATHS: readonly string[] = [
  '/auth/signup',
  '/auth/login',
  '/auth/refresh',
  '/auth/password-reset',
  '/auth/resend-verification',
  '/auth/verify-email',
];

/** Evaluated in this order; the first that refuses answers. */
export const CLIENT_RATE_RULES: readonly ClientRateRule[] = [
  { name: 'AuthRoutesPerClientIp', limit: 100, windowSeconds: 300, pathPrefixes: AUTH_RATE_LIMITED_PATHS },
  { name: 'AllRoutesPerClientIp', limit: 1500, windowSeconds: 300 },
];

/** The answer to a refused request (with `Retry-After`), in our error shape, from WAF and the local adapter alike. */
export const RATE_LIMITED: GatewayErrorResponse = {
  statusCode: 429,
  code: 'TOO_MANY_REQUESTS',
  message: 'Too many requests from your address; retry after the time in Retry-After.',
};

/** Whether `rule` counts a request for `path` (the route path, without a stage prefix). */
export function ruleApplies(rule: ClientRateRule, path: string): boolean {
  return rule.pathPrefixes === undefined || rule.pathPrefixes.some((prefix) => path.startsWith(prefix));
}

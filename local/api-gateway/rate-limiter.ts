import type { IncomingMessage } from 'node:http';
import { CLIENT_RATE_RULES, ruleApplies, type ClientRateRule } from '../../lambdas/api/client-rate-limits';

/**
 * The local adapter's stand-in for the WAF web ACL: the same rules (lambdas/api/client-rate-limits.ts),
 * counted per client address in memory. WAF evaluates a sliding window; here each (rule, address) gets a
 * fixed window that opens at its first request, which refuses at the same threshold and says in
 * Retry-After exactly when the window ends.
 */
export interface RateLimitSettings {
  /** STACKPRO_RATE_LIMIT: on unless `off`. */
  readonly enabled: boolean;
  /**
   * STACKPRO_TRUST_X_FORWARDED_FOR: take the client address from `X-Forwarded-For` (its last entry, the one
   * the proxy in front of us added) instead of the TCP peer. Only behind a proxy that sets it: otherwise any
   * client could name any address and dodge its limit.
   */
  readonly trustForwardedFor: boolean;
}

export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/** Reads the two variables, refusing anything but the documented values so a typo cannot switch limits off. */
export function rateLimitSettingsFromEnv(env: NodeJS.ProcessEnv): RateLimitSettings {
  const limit = (env.STACKPRO_RATE_LIMIT ?? '').trim().toLowerCase();
  if (!['', 'on', 'off'].includes(limit)) throw new Error(`STACKPRO_RATE_LIMIT must be "on" or "off", got "${env.STACKPRO_RATE_LIMIT}"`);
  const trust = (env.STACKPRO_TRUST_X_FORWARDED_FOR ?? '').trim().toLowerCase();
  if (!['', 'true', 'false'].includes(trust)) {
    throw new Error(`STACKPRO_TRUST_X_FORWARDED_FOR must be "true" or "false", got "${env.STACKPRO_TRUST_X_FORWARDED_FOR}"`);
  }
  return { enabled: limit !== 'off', trustForwardedFor: trust === 'true' };
}

/** The address a request is counted against: the TCP peer, or the trusted proxy's `X-Forwarded-For` entry. */
export function clientAddress(req: Pick<IncomingMessage, 'headers' | 'socket'>, trustForwardedFor: boolean): string {
  const peer = (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
  if (!trustForwardedFor) return peer;
  const header = req.headers['x-forwarded-for'];
  const entries = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((entry) => entry.trim()).filter(Boolean);
  return entries.at(-1) ?? peer;
}

interface Counter {
  windowStartsAt: number;
  count: number;
}

/** Above this many counters, expired ones are dropped (a trusted proxy may forward many addresses). */
const SWEEP_ABOVE = 10_000;

export class ClientRateLimiter {
  private readonly counters = new Map<string, Counter>();

  constructor(
    private readonly rules: readonly ClientRateRule[] = CLIENT_RATE_RULES,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts the request against every rule that applies, in order; the first over its limit refuses it. */
  check(address: string, path: string): RateDecision {
    const now = this.now();
    for (const rule of this.rules) {
      if (!ruleApplies(rule, path)) continue;
      const windowMs = rule.windowSeconds * 1000;
      const key = `${rule.name}\u0000${address}`;
      let counter = this.counters.get(key);
      if (!counter || counter.windowStartsAt + windowMs <= now) {
        counter = { windowStartsAt: now, count: 0 };
        this.counters.set(key, counter);
      }
      counter.count += 1;
      if (counter.count > rule.limit) {
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((counter.windowStartsAt + windowMs - now) / 1000)) };
      }
    }
    if (this.counters.size > SWEEP_ABOVE) this.sweep(now);
    return { allowed: true };
  }

  private sweep(now: number): void {
    const longest = Math.max(...this.rules.map((rule) => rule.windowSeconds)) * 1000;
    for (const [key, counter] of this.counters) {
      if (counter.windowStartsAt + longest <= now) this.counters.delete(key);
    }
  }
}

import type { UsageBudget } from '../core/usage-budget';

/**
 * The live-chat widget's limits (README "Messaging"): generous for a person typing, tight for a script.
 * A visitor's burst past them answers 429 WIDGET_RATE_LIMITED with Retry-After; nothing is recorded.
 */
export const WIDGET_LIMITS = {
  /** One visitor's messages per minute. */
  visitorMessages: { max: 20, windowMs: 60_000 } satisfies UsageBudget,
  /** New visitors on one widget key per minute (returning visitors are not counted). */
  visitorCreations: { max: 120, windowMs: 60_000 } satisfies UsageBudget,
  /** A chat message's length, in characters. */
  maxTextLength: 2000,
} as const;

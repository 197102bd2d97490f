/** A budget of `max` uses in a window of `windowMs` that opens at the first use (login checks, reset emails). */
export interface UsageBudget {
  readonly max: number;
  readonly windowMs: number;
}

/** The answer to "may I use one more?": yes (and how many are used now), or not for `retryAfterMs`. */
export type Reservation =
  | { readonly allowed: true; readonly used: number }
  | { readonly allowed: false; readonly retryAfterMs: number };

/**
 * Bounds of one fleet update. An inline Map keeps every customer's events in its one execution history,
 * which Step Functions caps at 25,000 events; a customer's update takes about 40 (its Tasks, their polls,
 * and the Map iteration's own), so 500 customers stay well inside with room for a rollback each. Larger
 * fleets go in several updates (by plan, or by list).
 */
export const MAX_FLEET_TARGETS = 500;
/** Inline Map concurrency above 40 is not honoured in parallel by Step Functions (it runs at most 40 at once). */
export const MAX_FLEET_CONCURRENCY = 40;
/** A customer list in the request: one update's worth. */
export const MAX_LISTED_CUSTOMERS = 500;

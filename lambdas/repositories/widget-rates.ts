import type { Reservation, UsageBudget } from '../core/usage-budget';
import { reserveUse } from './usage-windows';

/**
 * The widget's abuse guards, as usage windows in the customer table (repositories/usage-windows.ts): each
 * reservation is one conditional update, so a burst cannot get past the budget however many arrive at once.
 */
const widgetKeys = {
  /** New visitors on one customer's widget key in the current window. */
  visitorCreations: (customerId: string) => ({ pk: `WIDGETVISITORS#${customerId}`, sk: 'WIDGETVISITORS' }),
  /** Messages from one visitor in the current window. */
  visitorMessages: (customerId: string, visitorId: string) => ({ pk: `WIDGETMESSAGES#${customerId}#${visitorId}`, sk: 'WIDGETMESSAGES' }),
};

export function reserveVisitorCreation(customerId: string, budget: UsageBudget, now: number): Promise<Reservation> {
  return reserveUse(widgetKeys.visitorCreations(customerId), budget, now);
}

export function reserveVisitorMessage(customerId: string, visitorId: string, budget: UsageBudget, now: number): Promise<Reservation> {
  return reserveUse(widgetKeys.visitorMessages(customerId, visitorId), budget, now);
}

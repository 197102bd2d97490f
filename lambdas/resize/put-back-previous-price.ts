import { getStripe } from '../clients/stripe';
import { config } from '../config';
import { getCustomer } from '../repositories/accounts';
import { workflowStep } from '../workflows/step-kit';
import { CustomerNotFoundError } from './errors';
import { ResizeContext } from './resize-input';

/**
 * "Put back previous price" (after any failure): the plan was never delivered, so the subscription's item
 * goes back to the previous plan's price with `proration_behavior: none`, so Stripe neither charges nor
 * credits anything for the change (the route's `create_prorations` added the new plan's proration; none
 * is added back). Done already (the price is the previous one, or the change never reached Stripe) is done;
 * the idempotency key makes a retried step one update. The webhook that reports it starts nothing: the
 * price is the account's plan's (billing/confirm-plan-change.ts).
 */
export const handler = workflowStep(ResizeContext, async ({ customerId, changeId, fromPlan }) => {
  const customer = await getCustomer(customerId, { consistent: true });
  if (!customer) throw new CustomerNotFoundError(`Customer ${customerId} does not exist`);
  const subscriptionId = customer.billing?.subscriptionId;
  if (!subscriptionId) return { output: { restored: false }, message: 'No subscription to put back' };
  const previous = config.stripePriceIds()[fromPlan];
  if (!previous) throw new Error(`No Stripe price configured for plan ${fromPlan}`);
  const stripe = await getStripe();
  const subscription = await stripe.subscriptions.retrieve(subscriptionId);
  const item = subscription.items.data[0];
  if (!item || item.price.id === previous) return { output: { restored: true }, message: `The subscription is on the ${fromPlan} price` };
  await stripe.subscriptions.update(
    subscriptionId,
    { items: [{ id: item.id, price: previous }], proration_behavior: 'none' },
    { idempotencyKey: `stackpro-plan-revert-${customerId}-${fromPlan}-${item.id}-${changeId}` },
  );
  return { output: { restored: true }, message: `The subscription is back on the ${fromPlan} price (no proration)` };
});

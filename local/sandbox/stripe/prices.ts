import { noSuch } from './errors';
import { listPage, type WirePlan, type WirePrice } from './model';
import type { Params } from './params';

/** The plans our code sells (lambdas/core plans), as the three monthly USD prices seeded in the sandbox. */
export const LOCAL_PRICE_IDS = {
  starter: 'price_starter_local',
  business: 'price_business_local',
  enterprise: 'price_enterprise_local',
} as const;

const AMOUNTS: Readonly<Record<keyof typeof LOCAL_PRICE_IDS, number>> = { starter: 29900, business: 59900, enterprise: 129900 };
/** 2024-01-01T00:00:00Z: seeded objects have a fixed creation time. */
const SEEDED_AT = 1704067200;

export const SEEDED_PRICES: readonly WirePrice[] = (Object.keys(LOCAL_PRICE_IDS) as Array<keyof typeof LOCAL_PRICE_IDS>).map((plan) => ({
  id: LOCAL_PRICE_IDS[plan],
  object: 'price',
  active: true,
  billing_scheme: 'per_unit',
  created: SEEDED_AT,
  currency: 'usd',
  custom_unit_amount: null,
  livemode: false,
  lookup_key: plan,
  metadata: { plan },
  nickname: `StackPro ${plan[0].toUpperCase()}${plan.slice(1)} (monthly)`,
  product: `prod_stackpro_${plan}_local`,
  recurring: { interval: 'month', interval_count: 1, meter: null, trial_period_days: null, usage_type: 'licensed' },
  tax_behavior: 'unspecified',
  tiers_mode: null,
  transform_quantity: null,
  type: 'recurring',
  unit_amount: AMOUNTS[plan],
  unit_amount_decimal: String(AMOUNTS[plan]),
}));

export function findPrice(id: string): WirePrice | undefined {
  return SEEDED_PRICES.find((price) => price.id === id);
}

/** GET /v1/prices/:id */
export function retrievePrice(id: string, params: Params): WirePrice {
  params.allow('expand');
  const price = findPrice(id);
  if (!price) throw noSuch('price', id);
  return price;
}

/** GET /v1/prices: filters active, currency, lookup_keys[], type, recurring[interval]. */
export function listPrices(params: Params) {
  params.allow('active', 'currency', 'lookup_keys', 'type', 'product', 'recurring', 'limit', 'starting_after', 'ending_before', 'expand');
  const active = params.boolean('active');
  const currency = params.string('currency');
  const lookupKeys = params.strings('lookup_keys');
  const type = params.oneOf('type', ['one_time', 'recurring'] as const);
  const product = params.string('product');
  const interval = params.object('recurring')?.allow('interval', 'meter', 'usage_type').oneOf('interval', ['day', 'week', 'month', 'year'] as const);
  const prices = SEEDED_PRICES.filter(
    (price) =>
      (active === undefined || price.active === active) &&
      (currency === undefined || price.currency === currency.toLowerCase()) &&
      (lookupKeys === undefined || lookupKeys.includes(price.lookup_key ?? '')) &&
      (type === undefined || price.type === type) &&
      (product === undefined || price.product === product) &&
      (interval === undefined || price.recurring?.interval === interval),
  );
  return listPage(prices, '/v1/prices', paging(params));
}

export function paging(params: Params) {
  return { limit: params.integer('limit', 1, 100), startingAfter: params.string('starting_after'), endingBefore: params.string('ending_before') };
}

/** The legacy `plan` Stripe still puts on subscription items, derived from the price. */
export function planOf(price: WirePrice): WirePlan {
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: price.recurring?.interval ?? 'month',
    interval_count: price.recurring?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    meter: null,
    nickname: price.nickname,
    product: price.product as string,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: 'licensed',
  };
}

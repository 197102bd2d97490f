import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { ROUTES } from '../../../lambdas/api/routes';
import { call, eventually, newSignup, signUpVerified } from '../api-client';
import type { FuzzContext, FuzzCustomer } from './cases';
import { KINDS_A_REFUSAL_MAY_WRITE, readState, type StackState } from './state';
import { badTokens } from './tokens';

/** Where the stack under fuzz listens, and its data dir (the fuzz reads its signing key from there). */
export interface FuzzStack {
  readonly apiUrl: string;
  readonly edgeUrl: string;
  readonly dynamoDbUrl: string;
  readonly dataDir: string;
}

/** A webhook secret for one fuzz run, handed to the stack it starts (STRIPE_WEBHOOK_SECRET). */
export function newWebhookSecret(): string {
  return `whsec_fuzz_${randomBytes(16).toString('hex')}`;
}

/**
 * The env of a stack started for fuzzing: the fast sandbox, and the local rate limits off (a fuzz run is
 * thousands of requests from one address; the limits have their own tests).
 */
export function fuzzStackEnv(webhookSecret: string): NodeJS.ProcessEnv {
  return { STACKPRO_SANDBOX_PROFILE: 'fast', STACKPRO_RATE_LIMIT: 'off', STRIPE_WEBHOOK_SECRET: webhookSecret };
}

/** DynamoDB Local's URL, from the line the stack prints at start. */
export function dynamoDbUrlFrom(output: string): string {
  const url = /DynamoDB Local:\s+(\S+) \(pid/.exec(output)?.[1];
  if (!url) throw new Error('The local stack did not print its DynamoDB Local URL');
  return url;
}

/**
 * Two active customers (signed up as a user would, provisioned on the fast sandbox), the bad tokens, and
 * the stack's state once provisioning and its Stripe deliveries have settled: what a run is compared with.
 */
export async function prepareFuzz(stack: FuzzStack, webhookSecret: string): Promise<{ context: FuzzContext; settled: StackState }> {
  const customers = (await Promise.all([activeCustomer(stack.apiUrl, stack.edgeUrl), activeCustomer(stack.apiUrl, stack.edgeUrl)])) as [FuzzCustomer, FuzzCustomer];
  const context: FuzzContext = {
    host: new URL(stack.apiUrl).host,
    routes: ROUTES,
    customers,
    badTokens: await badTokens(stack.edgeUrl, customers[0].customerId, customers[0].accessToken),
    webhookSecret,
  };
  return { context, settled: await settledState(stack) };
}

async function activeCustomer(apiUrl: string, edgeUrl: string): Promise<FuzzCustomer> {
  const { body } = await signUpVerified(newSignup(), { base: apiUrl, edge: edgeUrl });
  const customer: FuzzCustomer = { customerId: body.customerId, accessToken: body.accessToken, refreshToken: body.refreshToken };
  await eventually(
    async () => {
      const res = await call('GET', `/customers/${customer.customerId}/status`, { token: customer.accessToken, base: apiUrl });
      if (res.body?.status === 'failed') throw new Error(`fuzz fixture ${customer.customerId} failed provisioning: ${res.text}`);
      return res.body?.status === 'active' && res.body?.billing?.subscriptionStatus === 'trialing' ? true : undefined;
    },
    45_000,
    'the fuzz fixture customer to be active',
  );
  return customer;
}

/** The state once two reads in a row agree (provisioning's last writes and Stripe's deliveries done). */
export async function settledState(stack: FuzzStack): Promise<StackState> {
  let previous = await readState(stack.dynamoDbUrl, stack.edgeUrl);
  return eventually(
    async () => {
      const current = await readState(stack.dynamoDbUrl, stack.edgeUrl);
      const same = isDeepStrictEqual(withoutFreeKinds(current), withoutFreeKinds(previous));
      previous = current;
      return same ? current : undefined;
    },
    30_000,
    'the stack to settle before fuzzing',
  );
}

function withoutFreeKinds(state: StackState): StackState {
  return { ...state, kinds: Object.fromEntries(Object.entries(state.kinds).filter(([kind]) => !KINDS_A_REFUSAL_MAY_WRITE.has(kind))) };
}

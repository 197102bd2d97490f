import Stripe from 'stripe';
import { config } from '../config';
import { secrets } from './secrets';

/** The secret's JSON: both Stripe keys live in Secrets Manager, never in plain environment. */
interface StripeSecret {
  readonly secretKey: string;
  readonly webhookSecret: string;
}

/** Re-read at most every five minutes, so a rotated key is picked up without a redeploy. */
const SECRET_MAX_AGE_SECONDS = 300;
const clients = new Map<string, Stripe>();

async function stripeSecret(): Promise<StripeSecret> {
  const secret = await secrets.get<StripeSecret>(config.stripeSecretId(), { transform: 'json', maxAge: SECRET_MAX_AGE_SECONDS });
  if (!secret?.secretKey || !secret.webhookSecret) throw new Error('The Stripe secret is malformed');
  return secret;
}

/**
 * The Stripe client, one per secret key. STRIPE_API_BASE (a sandbox) sets host, port and protocol;
 * unset, the client talks to api.stripe.com.
 */
export async function getStripe(): Promise<Stripe> {
  const { secretKey } = await stripeSecret();
  let client = clients.get(secretKey);
  if (!client) {
    const base = config.stripeApiBase();
    const url = base ? new URL(base) : undefined;
    client = new Stripe(secretKey, {
      maxNetworkRetries: 2,
      timeout: 10_000,
      ...(url ? { host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)), protocol: url.protocol.replace(':', '') as 'http' | 'https' } : {}),
    });
    clients.set(secretKey, client);
  }
  return client;
}

export async function getWebhookSecret(): Promise<string> {
  return (await stripeSecret()).webhookSecret;
}

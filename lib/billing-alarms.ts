import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRICS } from '../lambdas/core/metric-names';
import { businessMetric, notifyingAlarm } from './provisioning-alarms';

/** Who is told. */
export interface BillingAlarmsProps {
  readonly topic: sns.ITopic;
}

/**
 * Alarms on the Stripe webhook: a deployment whose webhook secret is still the placeholder (every delivery is
 * refused until an operator puts the real one), and signed events we had to ignore.
 */
export class BillingAlarms extends Construct {
  readonly webhookSecretUnset: cloudwatch.Alarm;
  readonly eventsIgnored: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: BillingAlarmsProps) {
    super(scope, id);
    this.webhookSecretUnset = notifyingAlarm(
      this,
      'StripeWebhookSecretUnsetAlarm',
      props.topic,
      businessMetric(METRICS.stripeWebhookSecretUnset),
      'Stripe webhooks are refused (503 WEBHOOK_NOT_CONFIGURED): the StripeKeys secret still holds the placeholder. Put the real ' +
        'webhookSecret (lib/stripe-keys.ts); Stripe redelivers for 3 days, so nothing is lost if done soon.',
    );
    this.eventsIgnored = notifyingAlarm(
      this,
      'StripeEventIgnoredAlarm',
      props.topic,
      businessMetric(METRICS.stripeEventIgnored),
      'A correctly signed Stripe event was ignored (malformed, or about a subscription or customer we do not know). Read the ' +
        'webhook logs ("Stripe event ignored", with the reason) and the STRIPEIGNORED / STRIPEEVENT records.',
    );
  }
}

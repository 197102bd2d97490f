import { SecretValue, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { STRIPE_KEYS_PLACEHOLDER } from '../lambdas/core/stripe-keys';

/** Nothing to configure: the secret's shape is the contract of lambdas/clients/stripe.ts. */
export type StripeKeysProps = Readonly<Record<string, never>>;

/**
 * Marks the value CloudFormation creates the secret with. Never change it: CloudFormation rewrites the
 * secret only when this template value changes, so a changed placeholder would overwrite the real keys.
 * The webhook refuses every delivery while the secret still holds it (lambdas/core/stripe-keys.ts).
 */
const PLACEHOLDER = STRIPE_KEYS_PLACEHOLDER;

/**
 * The Stripe API secret key and webhook signing secret, as JSON `{secretKey, webhookSecret}`. The keys are
 * never in context, environment or the template: the stack creates the secret with a placeholder, and an
 * operator puts the real value once after the first deploy (and again after rolling a key in the Stripe
 * dashboard). A file keeps the keys out of shell history and process listings:
 *
 *   SECRET_ARN=$(aws cloudformation describe-stacks --stack-name StackPro \
 *     --query "Stacks[0].Outputs[?OutputKey=='StripeKeysSecretArn'].OutputValue" --output text)
 *   # stripe-keys.json, mode 600: {"secretKey":"sk_live_...","webhookSecret":"whsec_..."}
 *   aws secretsmanager put-secret-value --secret-id "$SECRET_ARN" --secret-string file://stripe-keys.json
 *   shred -u stripe-keys.json
 *
 * Functions re-read the secret at most every five minutes (lambdas/clients/stripe.ts), so no redeploy is
 * needed. Only functions whose route or step declares `stripe` access are granted read.
 */
export class StripeKeys extends Construct {
  /** Functions get its ARN as STRIPE_SECRET_ID. */
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, _props: StripeKeysProps = {}) {
    super(scope, id);

    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description:
        'StackPro Stripe keys, JSON {secretKey, webhookSecret}. Created with a placeholder: put the real value with ' +
        'aws secretsmanager put-secret-value (see lib/stripe-keys.ts).',
      // Placeholders, not keys: nothing secret is in the template.
      secretObjectValue: {
        secretKey: SecretValue.unsafePlainText(PLACEHOLDER),
        webhookSecret: SecretValue.unsafePlainText(PLACEHOLDER),
      },
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Stripe keys cannot be rotated by a Secrets Manager rotation Lambda: they are rolled in the Stripe dashboard ' +
        '(with an overlap period) and the new value is then put here by an operator; handlers re-read it within 5 minutes.',
    });
  }

  /** Lets a function read the keys (and only that); it also needs STRIPE_SECRET_ID. */
  grantRead(grantable: iam.IGrantable): iam.Grant {
    return this.secret.grantRead(grantable);
  }
}

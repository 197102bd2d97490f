/**
 * The CDK app: one environment-agnostic stack, checked by cdk-nag on every synth.
 *
 * Offline synth (no AWS credentials, no network):
 *   CDK_DISABLE_CLI_TELEMETRY=1 CDK_DISABLE_VERSION_CHECK=1 npx cdk synth --no-notices
 * Deployment settings live in cdk.json "context" (stackpro:*), read and validated by lib/settings.ts.
 */
import { App } from 'aws-cdk-lib';
import { applyNagChecks } from '../lib/nag';
import { StackProStack } from '../lib/stackpro-stack';

const app = new App();
new StackProStack(app, 'StackPro', {
  description: 'StackPro SaaS control plane: account API, customer table, provisioning and billing lifecycle workflows',
});
applyNagChecks(app);

import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * Registers cdk-nag's AwsSolutions pack on the app, exactly as bin/app.ts and test/infra use it, so the
 * tests check what `cdk synth` checks. cdk-nag 3.x is a CDK validation plugin (the 2.x `Aspects.of(app).add`
 * form crashes); findings are acknowledged with `Validations.of(construct).acknowledge({id, reason})` beside
 * the resource, and any unacknowledged finding fails the synth. Returns the pack so tests can also call
 * `validateScope(app)` for a structured list of findings.
 */
export function applyNagChecks(app: App): AwsSolutionsChecks {
  const checks = new AwsSolutionsChecks(app, { verbose: true });
  Validations.of(app).addPlugins(checks);
  return checks;
}

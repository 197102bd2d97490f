import { SendCommandCommand } from '@aws-sdk/client-ssm';
import * as z from 'zod/mini';
import { ssm } from '../clients/ssm';
import { config } from '../config';
import { CURRENT_APP_VERSION, findAppVersion } from '../core/app-versions';
import { getCustomer } from '../repositories/accounts';
import { recordAppVersion } from '../repositories/fleet-updates';
import { getInfrastructure, updateInfrastructure } from '../repositories/infrastructure';
import { ensureCustomerSecrets } from './customer-secrets';
import { StepContext, workflowStep, text } from '../workflows/step-kit';

const Input = z.extend(StepContext, { instanceId: text(), subdomain: text(), plan: text() });

/**
 * "Deploy applications": makes sure the customer's secrets exist and are tagged with this instance (the only
 * one that may read them), then runs the deploy document (defined in CDK) on the instance with the
 * customer's configuration; ids and names only, never a secret (the instance fetches its own from Parameter
 * Store). A new customer gets the current app version; one already on a version (a fleet update's) keeps it
 * when a restore or a provisioning retry runs this step again. SendCommand has no idempotency token, so the command id is
 * remembered per execution and reused.
 */
export const handler = workflowStep(Input, async ({ customerId, executionName, instanceId, subdomain, plan }) => {
  const known = (await getInfrastructure(customerId))?.deployCommand;
  if (known?.executionName === executionName) {
    return { output: { commandId: known.commandId }, message: `Deployment ${known.commandId} already sent` };
  }
  const recorded = (await getCustomer(customerId))?.appVersion;
  const version = recorded && findAppVersion(recorded) ? recorded : CURRENT_APP_VERSION;
  await ensureCustomerSecrets(customerId, instanceId);
  const result = await ssm.send(
    new SendCommandCommand({
      DocumentName: config.deployDocumentName(),
      InstanceIds: [instanceId],
      Comment: `StackPro deploy ${executionName}`.slice(0, 100),
      Parameters: { CustomerId: [customerId], Subdomain: [subdomain], Plan: [plan], AppVersion: [version] },
      TimeoutSeconds: 600,
    }),
  );
  const commandId = result.Command?.CommandId;
  if (!commandId) throw new Error('SendCommand returned no command id');
  await updateInfrastructure(customerId, { instanceId, deployCommand: { executionName, commandId } });
  // The version the server runs (lambdas/core/app-versions.json), which fleet updates start from.
  await recordAppVersion(customerId, version, new Date().toISOString());
  return { output: { commandId }, message: `Deploying website, CRM and email (command ${commandId})` };
});

import { DescribeInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { DeleteEmailIdentityCommand } from '@aws-sdk/client-sesv2';
import { ec2 } from '../clients/ec2';
import { sesv2 } from '../clients/sesv2';
import { bareName, deleteRecords } from './dns';
import { ATTEMPT_TAG, CUSTOMER_TAG } from './instance-tags';

/**
 * The undo of each thing provisioning creates, shared by the rollback steps of the state machine and by
 * the clean-up after an execution that was stopped, timed out or aborted before it could roll back
 * (lambdas/workflows/stopped-executions.ts). Each is idempotent: nothing left to undo is success. The
 * subscription's undo lives in billing/cancel-provisioned-subscription.ts, so these steps' bundles carry no Stripe SDK.
 */

/** Deletes every record at or under the subdomain (the A record and the DKIM CNAMEs); returns them as `name type`. */
export async function removeSubdomainRecords(subdomain: string, comment: string): Promise<string[]> {
  const removed = await deleteRecords({ name: subdomain }, comment);
  return removed.map((r) => `${bareName(r.Name ?? '')} ${r.Type}`);
}

/** Deletes the subdomain's SES identity; false when there was none. */
export async function deleteSubdomainIdentity(subdomain: string): Promise<boolean> {
  try {
    await sesv2.send(new DeleteEmailIdentityCommand({ EmailIdentity: subdomain }));
    return true;
  } catch (error) {
    if ((error as Error).name !== 'NotFoundException') throw error;
    return false;
  }
}

/**
 * Terminates every instance tagged with the customer that is not already going away, found by its
 * Customer tag so one whose launch result was lost is found too. With `attempt`, only that provisioning
 * attempt's (its ProvisioningAttempt tag), so a late clean-up never touches a newer attempt's server.
 * Returns the ids terminated.
 */
export async function terminateCustomerInstances(customerId: string, attempt?: number): Promise<string[]> {
  const instanceIds: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: `tag:${CUSTOMER_TAG}`, Values: [customerId] },
          { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
          ...(attempt === undefined ? [] : [{ Name: `tag:${ATTEMPT_TAG}`, Values: [String(attempt)] }]),
        ],
        NextToken,
      }),
    );
    for (const instance of page.Reservations?.flatMap((r) => r.Instances ?? []) ?? []) {
      if (instance.InstanceId) instanceIds.push(instance.InstanceId);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  if (instanceIds.length > 0) await ec2.send(new TerminateInstancesCommand({ InstanceIds: instanceIds }));
  return instanceIds;
}

import { GetCommandInvocationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { ssm } from '../clients/ssm';
import { config } from '../config';
import type { Customer } from '../core/customer';
import { NotReadyError } from '../workflows/errors';
import { AppCommandFailedError, AppsUnhealthyError, UpdateNotStartedError } from './errors';

/** The deploy document's exit code for apps that did not answer (lib/deploy-document.ts HEALTH_CHECK_EXIT_CODE). */
const HEALTH_CHECK_EXIT_CODE = 3;
const FAILED = ['Failed', 'Cancelled', 'TimedOut', 'Cancelling'];

/**
 * Runs the deploy document (the one document the steps may send) on the customer's server with `version`:
 * it pulls that version's images, replaces the containers whose image differs (data stays in their
 * volumes) and checks the apps answer. The same call rolls forward and back. An instance whose agent is
 * not online (stopped, replaced) is UpdateNotStartedError: nothing was changed there.
 */
export async function sendAppVersion(customer: Pick<Customer, 'customerId' | 'subdomain' | 'plan'>, instanceId: string, version: string, comment: string): Promise<string> {
  try {
    const result = await ssm.send(
      new SendCommandCommand({
        DocumentName: config.deployDocumentName(),
        InstanceIds: [instanceId],
        Comment: comment.slice(0, 100),
        Parameters: { CustomerId: [customer.customerId], Subdomain: [customer.subdomain], Plan: [customer.plan], AppVersion: [version] },
        TimeoutSeconds: 600,
      }),
    );
    const commandId = result.Command?.CommandId;
    if (!commandId) throw new Error('SendCommand returned no command id');
    return commandId;
  } catch (error) {
    if ((error as Error).name === 'InvalidInstanceId') throw new UpdateNotStartedError(`The server ${instanceId} is not reachable by Run Command (agent not online)`);
    throw error;
  }
}

/**
 * Where a sent command is: done (returns), still running (NotReadyError, which the Task retries), apps not
 * answering (AppsUnhealthyError with the script's own sentence) or failed otherwise (AppCommandFailedError).
 */
export async function commandOutcome(commandId: string, instanceId: string): Promise<void> {
  let status: string;
  let responseCode: number | undefined;
  let stderr = '';
  try {
    const result = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
    status = result.Status ?? 'Pending';
    responseCode = result.ResponseCode;
    stderr = result.StandardErrorContent ?? '';
  } catch (error) {
    // Right after SendCommand the invocation may not exist yet.
    if ((error as Error).name !== 'InvocationDoesNotExist') throw error;
    status = 'Pending';
  }
  if (status === 'Failed' && responseCode === HEALTH_CHECK_EXIT_CODE) {
    const line = stderr.split('\n').find((text) => text.startsWith('Health check failed'));
    throw new AppsUnhealthyError(line ?? `The apps did not answer after command ${commandId}`);
  }
  if (FAILED.includes(status)) throw new AppCommandFailedError(`Command ${commandId} ended ${status}`);
  if (status !== 'Success') throw new NotReadyError(`Command ${commandId} is still ${status}`);
}

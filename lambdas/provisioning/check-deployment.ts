import { GetCommandInvocationCommand } from '@aws-sdk/client-ssm';
import * as z from 'zod/mini';
import { ssm } from '../clients/ssm';
import { NotReadyError } from '../workflows/errors';
import { StepContext, workflowStep, text } from '../workflows/step-kit';
import { DeploymentFailedError } from './errors';

const Input = z.extend(StepContext, { instanceId: text(), commandId: text() });

const FAILED = ['Failed', 'Cancelled', 'TimedOut', 'Cancelling'];

/**
 * "Check deployment": the SSM command's invocation on the instance. Success ends the step, a failed command
 * fails it, anything else is NotReadyError (the Task retries it).
 */
export const handler = workflowStep(Input, async ({ instanceId, commandId }) => {
  let status: string;
  try {
    const result = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
    status = result.Status ?? 'Pending';
  } catch (error) {
    // Right after SendCommand the invocation may not exist yet.
    if ((error as Error).name !== 'InvocationDoesNotExist') throw error;
    status = 'Pending';
  }
  if (FAILED.includes(status)) throw new DeploymentFailedError(`Deployment command ${commandId} ended ${status}`);
  if (status !== 'Success') throw new NotReadyError(`Deployment command ${commandId} is still ${status}`);
  return { output: { commandId }, message: 'Website, CRM and email deployed' };
});

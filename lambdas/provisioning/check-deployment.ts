import { GetCommandInvocationCommand } from '@aws-sdk/client-ssm';
import * as z from 'zod';
import { ssm } from '../clients/ssm';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { DeploymentFailedError } from './errors';
import { POLL_LIMITS, Polls, nextPoll } from './polling';

const Input = StepContext.extend({ instanceId: z.string().min(1), commandId: z.string().min(1), polls: Polls });

const FAILED = ['Failed', 'Cancelled', 'TimedOut', 'Cancelling'];

/** "Check deployment" (the "Apps deployed?" loop): the SSM command's invocation on the instance. */
export const handler = workflowStep('Deploy applications', Input, async ({ instanceId, commandId, polls }) => {
  const next = nextPoll(polls, POLL_LIMITS.deployment, `Deployment ${commandId}`);
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
  const done = status === 'Success';
  return {
    output: { commandId, done, polls: next },
    status: done ? 'succeeded' : 'running',
    message: done ? 'Website, CRM and email deployed' : `Deployment ${status}`,
  };
});

import { GetCommandInvocationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { ssm } from '../clients/ssm';
import { NotReadyError } from './errors';

/**
 * Sends AWS-RunShellScript to one customer server. Right after a start the SSM agent has not reported
 * Online yet and SSM answers InvalidInstanceId: that is NotReadyError (the Task's Retry is the wait).
 */
export async function sendShellCommand(instanceId: string, comment: string, commands: readonly string[], timeoutSeconds: number): Promise<string> {
  const sent = await ssm
    .send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: [instanceId],
        Comment: comment.slice(0, 100),
        Parameters: { commands: [...commands] },
        TimeoutSeconds: timeoutSeconds,
      }),
    )
    .catch((error: unknown) => {
      if ((error as Error).name === 'InvalidInstanceId') throw new NotReadyError(`The SSM agent on ${instanceId} is not online yet`);
      throw error;
    });
  const id = sent.Command?.CommandId;
  if (!id) throw new Error('SendCommand returned no command id');
  return id;
}

/**
 * The command's end on the server: 'Success', or the status it failed with; NotReadyError (with `what`)
 * while it is pending or running, including the moment before its invocation exists.
 */
export async function shellCommandOutcome(instanceId: string, commandId: string, what: string): Promise<string> {
  let status = 'Pending';
  try {
    status = (await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }))).Status ?? 'Pending';
  } catch (error) {
    if ((error as Error).name !== 'InvocationDoesNotExist') throw error;
  }
  if (['Pending', 'InProgress', 'Delayed'].includes(status)) throw new NotReadyError(`${what} is still ${status}`);
  return status;
}

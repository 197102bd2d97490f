import { DescribeInstanceInformationCommand } from '@aws-sdk/client-ssm';
import * as z from 'zod/mini';
import { ssm } from '../clients/ssm';
import { NotReadyError } from '../workflows/errors';
import { StepContext, workflowStep, text } from '../workflows/step-kit';

const Input = z.extend(StepContext, { instanceId: text() });

/**
 * "Check instance agent": the SSM agent registers a little after the instance boots; NotReadyError until it
 * is Online (the Task retries it).
 */
export const handler = workflowStep(Input, async ({ instanceId }) => {
  const result = await ssm.send(
    new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }),
  );
  const ping = result.InstanceInformationList?.[0]?.PingStatus;
  if (ping !== 'Online') throw new NotReadyError(`The instance agent on ${instanceId} is not online yet (${ping ?? 'not registered'})`);
  return { output: { online: true }, message: 'Instance agent online' };
});

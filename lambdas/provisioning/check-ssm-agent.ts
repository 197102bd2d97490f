import { DescribeInstanceInformationCommand } from '@aws-sdk/client-ssm';
import * as z from 'zod';
import { ssm } from '../clients/ssm';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { POLL_LIMITS, Polls, nextPoll } from './polling';

const Input = StepContext.extend({ instanceId: z.string().min(1), polls: Polls });

/** "Check SSM agent" (the "Agent online?" loop): the agent registers a little after the instance boots. */
export const handler = workflowStep('Deploy applications', Input, async ({ instanceId, polls }) => {
  const next = nextPoll(polls, POLL_LIMITS.agentOnline, `SSM agent on ${instanceId} online`);
  const result = await ssm.send(
    new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }),
  );
  const ping = result.InstanceInformationList?.[0]?.PingStatus;
  const done = ping === 'Online';
  return {
    output: { done, polls: next },
    status: done ? 'succeeded' : 'running',
    message: done ? 'Instance agent online' : 'Waiting for the instance agent',
  };
});

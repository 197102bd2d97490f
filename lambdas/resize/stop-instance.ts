import { workflowStep } from '../workflows/step-kit';
import { ensureStopped } from './instance-power';
import { InstanceStep } from './resize-input';

/** "Stop instance": StopInstances, then NotReadyError until stopped (EC2 changes the type only then). */
export const handler = workflowStep(InstanceStep, async ({ instanceId }) => {
  await ensureStopped(instanceId);
  return { output: { instanceId }, message: `Instance ${instanceId} is stopped` };
});

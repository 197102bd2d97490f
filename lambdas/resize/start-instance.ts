import { updateInfrastructure } from '../repositories/infrastructure';
import { workflowStep } from '../workflows/step-kit';
import { ensureRunning } from './instance-power';
import { InstanceStep } from './resize-input';

/** "Start instance": StartInstances, then NotReadyError until it runs with its new public address. */
export const handler = workflowStep(InstanceStep, async ({ customerId, instanceId }) => {
  const publicIp = await ensureRunning(instanceId);
  await updateInfrastructure(customerId, { publicIp });
  return { output: { publicIp }, message: `Instance ${instanceId} is running at ${publicIp}` };
});

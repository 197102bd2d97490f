import { DescribeInstancesCommand, type Instance, StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { ec2 } from '../clients/ec2';
import { describeInstance } from '../provisioning/describe-instance';
import { CUSTOMER_TAG } from '../provisioning/instance-tags';
import { getInfrastructure } from '../repositories/infrastructure';

/** States in which an instance still exists (and holds the customer's data volume). */
const EXISTING = ['pending', 'running', 'stopping', 'stopped'];

export type InstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';

/** The state EC2 reports, `pending` when it reports none. */
export const stateOf = (instance: Instance | undefined): InstanceState => (instance?.State?.Name ?? 'pending') as InstanceState;
/** One instance by id, or undefined when EC2 does not know it. */
export { describeInstance };

/**
 * The customer's instance: the one provisioning recorded on the infrastructure item, or else the one
 * tagged Customer=<id> (a record lost or never written). Terminated instances do not count.
 */
export async function findCustomerInstance(customerId: string): Promise<Instance | undefined> {
  const recorded = (await getInfrastructure(customerId))?.instanceId;
  if (recorded) {
    const instance = await describeInstance(recorded);
    if (instance && EXISTING.includes(stateOf(instance))) return instance;
  }
  const tagged = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: `tag:${CUSTOMER_TAG}`, Values: [customerId] },
        { Name: 'instance-state-name', Values: EXISTING },
      ],
    }),
  );
  // Newest first: a rollback leftover of an older attempt is not the customer's live stack.
  return (tagged.Reservations?.flatMap((r) => r.Instances ?? []) ?? []).sort(
    (a, b) => (b.LaunchTime?.getTime() ?? 0) - (a.LaunchTime?.getTime() ?? 0),
  )[0];
}

/**
 * StopInstances when the instance runs; a pending one is left for the check loop (EC2 refuses to stop
 * it), as is one that is already stopping or stopped. Returns the state it is in now.
 */
export async function requestStop(instanceId: string, state: InstanceState): Promise<InstanceState> {
  if (state !== 'running') return state;
  try {
    const result = await ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
    return (result.StoppingInstances?.[0]?.CurrentState?.Name ?? 'stopping') as InstanceState;
  } catch (error) {
    // It moved on its own between DescribeInstances and StopInstances: the loop looks again.
    if ((error as Error).name === 'IncorrectInstanceState') return state;
    throw error;
  }
}

/** StartInstances when the instance is stopped; a stopping one is left for the check loop, as is a live one. */
export async function requestStart(instanceId: string, state: InstanceState): Promise<InstanceState> {
  if (state !== 'stopped') return state;
  try {
    const result = await ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
    return (result.StartingInstances?.[0]?.CurrentState?.Name ?? 'pending') as InstanceState;
  } catch (error) {
    if ((error as Error).name === 'IncorrectInstanceState') return state;
    throw error;
  }
}

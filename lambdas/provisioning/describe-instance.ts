import { DescribeInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { ec2 } from '../clients/ec2';

/**
 * One instance by id, or undefined when EC2 does not know it. EC2 is eventually consistent: right after
 * RunInstances the new id may not be found yet, so "not found" is an answer, not an error.
 */
export async function describeInstance(instanceId: string): Promise<Instance | undefined> {
  try {
    const result = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    return result.Reservations?.flatMap((r) => r.Instances ?? [])[0];
  } catch (error) {
    if ((error as Error).name === 'InvalidInstanceID.NotFound') return undefined;
    throw error;
  }
}

import { DescribeInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { ec2 } from '../clients/ec2';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { CUSTOMER_TAG } from './instance-tags';

/**
 * Rollback "Terminate instance": finds the customer's instances by their Customer tag, so one whose
 * launch result was lost is found too, and terminates every one that is not already going away.
 */
export const handler = workflowStep('Roll back', StepContext, async ({ customerId }) => {
  const instanceIds: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: `tag:${CUSTOMER_TAG}`, Values: [customerId] },
          { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
        ],
        NextToken,
      }),
    );
    for (const instance of page.Reservations?.flatMap((r) => r.Instances ?? []) ?? []) {
      if (instance.InstanceId) instanceIds.push(instance.InstanceId);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  if (instanceIds.length > 0) await ec2.send(new TerminateInstancesCommand({ InstanceIds: instanceIds }));
  return { output: { terminated: instanceIds }, message: `Terminated ${instanceIds.length} instance(s)` };
});

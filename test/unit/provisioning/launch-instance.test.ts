import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/provisioning/launch-instance';
import { awsError, ctx, mockTable, stepLog } from './helpers';

const ec2 = mockClient(EC2Client);
const table = mockTable();
const input = { ...ctx, attempt: 2, instanceType: 't3.small', plan: 'business' };

beforeEach(() => {
  ec2.reset();
  table.reset();
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-new' }] });
});

describe('Launch instance', () => {
  it('launches one instance of the plan type from the launch template, tagged, with an idempotency token', async () => {
    await expect(handler(input)).resolves.toEqual({ instanceId: 'i-new' });
    const run = ec2.commandCalls(RunInstancesCommand)[0].args[0].input;
    expect(run).toMatchObject({
      LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0' },
      InstanceType: 't3.small',
      SubnetId: 'subnet-a',
      MinCount: 1,
      MaxCount: 1,
      ClientToken: 'cust-1-2-0',
    });
    // Storage follows the plan: business sells 50 GiB.
    expect(run.BlockDeviceMappings).toEqual([{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 50, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true } }]);
    expect(run.TagSpecifications![0].Tags).toEqual(
      expect.arrayContaining([
        { Key: 'Customer', Value: 'cust-1' },
        { Key: 'Plan', Value: 'business' },
        { Key: 'ManagedBy', Value: 'stackpro' },
      ]),
    );
    expect(stepLog(table.ddb)).toEqual([['Launch instance', 'succeeded', 'Launched t3.small instance i-new']]);
  });

  it('reuses the instance already launched for this attempt instead of launching another', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-earlier' }] }] });
    await expect(handler(input)).resolves.toEqual({ instanceId: 'i-earlier' });
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(0);
    const filters = ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters;
    expect(filters).toEqual(expect.arrayContaining([{ Name: 'tag:ProvisioningAttempt', Values: ['2'] }]));
  });

  it('tries the next subnet (AZ) on InsufficientInstanceCapacity, with its own token', async () => {
    ec2.on(RunInstancesCommand, { SubnetId: 'subnet-a' }).rejects(awsError('InsufficientInstanceCapacity'));
    await expect(handler(input)).resolves.toEqual({ instanceId: 'i-new' });
    const calls = ec2.commandCalls(RunInstancesCommand).map((c) => [c.args[0].input.SubnetId, c.args[0].input.ClientToken]);
    expect(calls).toEqual([
      ['subnet-a', 'cust-1-2-0'],
      ['subnet-b', 'cust-1-2-1'],
    ]);
  });

  it('gives up with InstanceCapacityError when no subnet has capacity', async () => {
    ec2.on(RunInstancesCommand).rejects(awsError('InsufficientInstanceCapacity'));
    await expect(handler(input)).rejects.toMatchObject({ name: 'InstanceCapacityError' });
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(2);
  });

  it('lets other EC2 errors through by name for the state machine to handle', async () => {
    ec2.on(RunInstancesCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(handler(input)).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(1);
    expect(stepLog(table.ddb)).toEqual([['Launch instance', 'running', 'Attempt failed: A permission is missing on our side; our team has been alerted.']]);
  });

  it('refuses malformed input', async () => {
    await expect(handler({ ...input, instanceType: 'm5.24xlarge' })).rejects.toThrow();
    expect(ec2.calls()).toHaveLength(0);
  });
});

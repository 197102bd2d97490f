import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { metrics } from '../../../lambdas/metrics';
import { handler as step } from '../../../lambdas/provisioning/launch-instance';
import { endCapacityWait, startCapacityWait } from '../../../lambdas/repositories/customer-lifecycle';
import { asTask, awsError, ctx, recordStep, recordedSteps, resetRecordedSteps } from './helpers';

const handler = asTask('Launch instance', step);

jest.mock('../../../lambdas/repositories/customer-lifecycle');
jest.mock('../../../lambdas/repositories/provisioning-log', () => ({ recordStep: (...args: Parameters<typeof recordStep>) => recordStep(...args) }));
const startWait = jest.mocked(startCapacityWait);
const endWait = jest.mocked(endCapacityWait);

const ec2 = mockClient(EC2Client);
const input = { ...ctx, attempt: 2, instanceType: 't3.small', plan: 'business', executionStartTime: new Date().toISOString(), capacityWaitSeconds: '86400' };

beforeEach(() => {
  ec2.reset();
  jest.clearAllMocks();
  resetRecordedSteps();
  startWait.mockResolvedValue({ started: true });
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
    expect(recordedSteps()).toEqual([['Launch instance', 'succeeded', 'Launched t3.small instance i-new']]);
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

  it('waits for capacity when no subnet has any: waiting_for_capacity, counted once for the alarm, and InstanceCapacityError for the Task to retry', async () => {
    const addMetric = jest.spyOn(metrics, 'addMetric');
    ec2.on(RunInstancesCommand).rejects(awsError('InsufficientInstanceCapacity'));

    await expect(handler(input)).rejects.toMatchObject({ name: 'InstanceCapacityError', message: 'Waiting for server capacity for t3.small (up to 24 hours)' });
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(2);
    expect(startWait).toHaveBeenCalledWith('cust-1', 'acme-cust-1');
    expect(addMetric).toHaveBeenCalledWith('CapacityWaitStarted', 'Count', 1);
    expect(recordedSteps().at(-1)).toEqual(['Launch instance', 'running', 'Waiting for server capacity for t3.small (up to 24 hours)']);

    addMetric.mockClear();
    startWait.mockResolvedValue({ started: false });
    await expect(handler(input)).rejects.toMatchObject({ name: 'InstanceCapacityError' });
    expect(addMetric).not.toHaveBeenCalled();
    expect(endWait).not.toHaveBeenCalled();
  });

  it('waits at once on the account vCPU quota (no other subnet would do better)', async () => {
    ec2.on(RunInstancesCommand).rejects(awsError('VcpuLimitExceeded'));
    await expect(handler(input)).rejects.toMatchObject({ name: 'InstanceCapacityError' });
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(1);
  });

  it('tries the next subnet when one has no address left, and ends a capacity wait once launched', async () => {
    ec2.on(RunInstancesCommand, { SubnetId: 'subnet-a' }).rejects(awsError('InsufficientAddressCapacity'));
    await expect(handler(input)).resolves.toEqual({ instanceId: 'i-new' });
    expect(endWait).toHaveBeenCalledWith('cust-1', 'acme-cust-1');
    expect(startWait).not.toHaveBeenCalled();
  });

  it('rolls back (CapacityWaitExpiredError) once the capacity wait, counted from the execution start, has run out', async () => {
    ec2.on(RunInstancesCommand).rejects(awsError('VcpuLimitExceeded'));
    const started = new Date(Date.now() - 3601_000).toISOString();
    await expect(handler({ ...input, executionStartTime: started, capacityWaitSeconds: '3600' })).rejects.toMatchObject({
      name: 'CapacityWaitExpiredError',
      message: 'No server capacity for t3.small became available within 1 hour',
    });
    expect(startWait).not.toHaveBeenCalled();
  });

  it('stops (StaleExecutionError) when a newer attempt owns the customer while it waits', async () => {
    ec2.on(RunInstancesCommand).rejects(awsError('VcpuLimitExceeded'));
    startWait.mockResolvedValue(undefined);
    await expect(handler(input)).rejects.toMatchObject({ name: 'StaleExecutionError' });
  });

  it('lets other EC2 errors through by name for the state machine to handle', async () => {
    ec2.on(RunInstancesCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(handler(input)).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(1);
    expect(recordedSteps()).toEqual([['Launch instance', 'running', 'Attempt failed: A permission is missing on our side; our team has been alerted.']]);
  });

  it('refuses malformed input', async () => {
    await expect(handler({ ...input, instanceType: 'm5.24xlarge' })).rejects.toThrow();
    expect(ec2.calls()).toHaveLength(0);
  });
});

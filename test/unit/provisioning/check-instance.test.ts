import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as step } from '../../../lambdas/provisioning/check-instance';
import { asTask, awsError, ctx, recordStep, recordedSteps, resetRecordedSteps } from './helpers';

const handler = asTask('Check instance', step);

jest.mock('../../../lambdas/repositories/provisioning-log', () => ({ recordStep: (...args: Parameters<typeof recordStep>) => recordStep(...args) }));
const ec2 = mockClient(EC2Client);
const instance = (State: string, PublicIpAddress?: string) => ({
  Reservations: [{ Instances: [{ InstanceId: 'i-1', State: { Name: State as 'running' }, PublicIpAddress }] }],
});

beforeEach(() => {
  ec2.reset();
  resetRecordedSteps();
});

describe('Check instance', () => {
  it('is not ready while pending: NotReadyError (the Task retries it), logged as running', async () => {
    ec2.on(DescribeInstancesCommand).resolves(instance('pending'));
    await expect(handler({ ...ctx, instanceId: 'i-1' })).rejects.toMatchObject({ name: 'NotReadyError', message: 'Instance i-1 is still pending' });
    expect(recordedSteps()[0]).toEqual(['Check instance', 'running', 'Instance i-1 is still pending']);
  });

  it('is done once running with a public IP', async () => {
    ec2.on(DescribeInstancesCommand).resolves(instance('running', '198.51.100.7'));
    await expect(handler({ ...ctx, instanceId: 'i-1' })).resolves.toEqual({ instanceId: 'i-1', publicIp: '198.51.100.7' });
    expect(recordedSteps()[0].slice(0, 2)).toEqual(['Check instance', 'succeeded']);
  });

  it('treats an id EC2 does not know yet as pending (eventual consistency)', async () => {
    ec2.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    await expect(handler({ ...ctx, instanceId: 'i-1' })).rejects.toMatchObject({ name: 'NotReadyError' });
  });

  it('fails with InstanceLostError when the instance terminated on its own', async () => {
    ec2.on(DescribeInstancesCommand).resolves(instance('terminated'));
    await expect(handler({ ...ctx, instanceId: 'i-1' })).rejects.toMatchObject({ name: 'InstanceLostError' });
  });

  it('is not ready while running without a public IP yet', async () => {
    ec2.on(DescribeInstancesCommand).resolves(instance('running'));
    await expect(handler({ ...ctx, instanceId: 'i-1' })).rejects.toMatchObject({ name: 'NotReadyError', message: 'Instance i-1 is still running without a public IP' });
  });
});

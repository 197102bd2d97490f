import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/provisioning/check-instance';
import { POLL_LIMITS } from '../../../lambdas/provisioning/polling';
import { awsError, ctx, mockTable, stepLog } from './helpers';

const ec2 = mockClient(EC2Client);
const table = mockTable();
const instance = (State: string, PublicIpAddress?: string) => ({
  Reservations: [{ Instances: [{ InstanceId: 'i-1', State: { Name: State as 'running' }, PublicIpAddress }] }],
});

beforeEach(() => {
  ec2.reset();
  table.reset();
});

describe('Check instance', () => {
  it('reports pending and counts the poll', async () => {
    ec2.on(DescribeInstancesCommand).resolves(instance('pending'));
    await expect(handler({ ...ctx, instanceId: 'i-1', polls: 3 })).resolves.toMatchObject({ done: false, state: 'pending', polls: 4, publicIp: null });
    expect(stepLog(table.ddb)[0].slice(0, 2)).toEqual(['Wait until running', 'running']);
  });

  it('is done once running with a public IP', async () => {
    ec2.on(DescribeInstancesCommand).resolves(instance('running', '198.51.100.7'));
    await expect(handler({ ...ctx, instanceId: 'i-1', polls: 0 })).resolves.toMatchObject({ done: true, publicIp: '198.51.100.7' });
    expect(stepLog(table.ddb)[0].slice(0, 2)).toEqual(['Wait until running', 'succeeded']);
  });

  it('treats an id EC2 does not know yet as pending (eventual consistency)', async () => {
    ec2.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    await expect(handler({ ...ctx, instanceId: 'i-1' })).resolves.toMatchObject({ done: false, state: 'pending', polls: 1 });
  });

  it('fails with InstanceLostError when the instance terminated on its own', async () => {
    ec2.on(DescribeInstancesCommand).resolves(instance('terminated'));
    await expect(handler({ ...ctx, instanceId: 'i-1' })).rejects.toMatchObject({ name: 'InstanceLostError' });
  });

  it('gives up with StepTimeoutError after its bounded number of polls', async () => {
    ec2.on(DescribeInstancesCommand).resolves(instance('pending'));
    await expect(handler({ ...ctx, instanceId: 'i-1', polls: POLL_LIMITS.instanceRunning })).rejects.toMatchObject({ name: 'StepTimeoutError' });
    expect(ec2.calls()).toHaveLength(0);
  });
});

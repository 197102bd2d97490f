import { rmSync } from 'node:fs';
import {
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  DescribeVolumesModificationsCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  ModifyVolumeCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { testSandbox, sdkConfig } from './in-process';

// Model seconds are milliseconds on this clock (scale 0.001); the test moves time by hand.
const { sandbox, advance, dataDir } = testSandbox();
const ec2 = new EC2Client(sdkConfig(sandbox.services.ec2));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function runningInstance(token: string): Promise<string> {
  const launched = await ec2.send(
    new RunInstancesCommand({ LaunchTemplate: { LaunchTemplateId: 'lt-0test', Version: '$Latest' }, InstanceType: 't3.small', SubnetId: 'subnet-a', MinCount: 1, MaxCount: 1, ClientToken: token }),
  );
  advance(10);
  return launched.Instances![0].InstanceId!;
}
const describeOne = async (instanceId: string) => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0].Instances![0];

describe('EC2 resize calls through EC2Client (ec2Query)', () => {
  it('changes the instance type only while stopped, as EC2 does (IncorrectInstanceState otherwise)', async () => {
    const instanceId = await runningInstance('resize-type');
    const modify = (value: string) => ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, InstanceType: { Value: value } }));

    await expect(modify('t3.medium')).rejects.toMatchObject({ name: 'IncorrectInstanceState', $metadata: { httpStatusCode: 400 } });
    await ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
    advance(60);
    await modify('t3.medium');
    await ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
    advance(60);

    expect(await describeOne(instanceId)).toMatchObject({ InstanceType: 't3.medium', State: { Name: 'running' } });
    await expect(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: 'i-0000000000000dead', InstanceType: { Value: 't3.small' } }))).rejects.toMatchObject({
      name: 'InvalidInstanceID.NotFound',
    });
  });

  it('grows a volume online (modifying, optimizing, completed), never shrinks it, one modification at a time', async () => {
    const instanceId = await runningInstance('resize-volume');
    const volumeId = (await describeOne(instanceId)).BlockDeviceMappings![0].Ebs!.VolumeId!;
    const state = async () => (await ec2.send(new DescribeVolumesModificationsCommand({ VolumeIds: [volumeId] }))).VolumesModifications?.[0];

    expect((await ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }))).Volumes).toEqual([expect.objectContaining({ VolumeId: volumeId, Size: 30, State: 'in-use' })]);
    expect(await state()).toBeUndefined();
    const started = await ec2.send(new ModifyVolumeCommand({ VolumeId: volumeId, Size: 50 }));
    expect(started.VolumeModification).toMatchObject({ VolumeId: volumeId, ModificationState: 'modifying', OriginalSize: 30, TargetSize: 50 });
    await expect(ec2.send(new ModifyVolumeCommand({ VolumeId: volumeId, Size: 100 }))).rejects.toMatchObject({ name: 'IncorrectModificationState' });
    advance(10);
    expect(await state()).toMatchObject({ ModificationState: 'optimizing', TargetSize: 50 });
    advance(60);
    expect(await state()).toMatchObject({ ModificationState: 'completed' });
    expect((await ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }))).Volumes![0].Size).toBe(50);
    await expect(ec2.send(new ModifyVolumeCommand({ VolumeId: volumeId, Size: 20 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it("sizes the root volume from RunInstances' block device mapping (storage follows the plan)", async () => {
    const launched = await ec2.send(
      new RunInstancesCommand({
        LaunchTemplate: { LaunchTemplateId: 'lt-0test', Version: '$Latest' },
        InstanceType: 't3.micro',
        SubnetId: 'subnet-a',
        MinCount: 1,
        MaxCount: 1,
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 20, VolumeType: 'gp3' } }],
      }),
    );
    advance(10);
    const volumeId = (await describeOne(launched.Instances![0].InstanceId!)).BlockDeviceMappings![0].Ebs!.VolumeId!;
    expect((await ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }))).Volumes![0].Size).toBe(20);
  });

  it('lets faults be injected into the new calls like any other', async () => {
    const instanceId = await runningInstance('resize-fault');
    sandbox.faults.add({ service: 'ec2', action: 'ModifyInstanceAttribute', error: 'UnauthorizedOperation' });
    await expect(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, InstanceType: { Value: 't3.medium' } }))).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
  });
});

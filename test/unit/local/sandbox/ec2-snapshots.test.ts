import { rmSync } from 'node:fs';
import {
  CreateSnapshotCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  type DescribeSnapshotsCommandInput,
  EC2Client,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { testSandbox, sdkConfig, launchRunningInstance } from './in-process';

// Model seconds are milliseconds on this clock (scale 0.001); the test moves time by hand.
const { sandbox, advance, dataDir } = testSandbox();
const ec2 = new EC2Client(sdkConfig(sandbox.services.ec2));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const runningInstance = (customer: string) => launchRunningInstance(ec2, advance, customer);

const describe1 = async (instanceId: string) => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0].Instances![0];

const finalBackupTags = (customer: string, execution: string) => [
  { ResourceType: 'snapshot' as const, Tags: [{ Key: 'Customer', Value: customer }, { Key: 'Purpose', Value: 'final-backup' }, { Key: 'Execution', Value: execution }] },
];

describe('EC2 instance volumes and snapshots through EC2Client (ec2Query)', () => {
  it('lists one root EBS volume per instance in BlockDeviceMappings, none once terminated', async () => {
    const a = await runningInstance('vol-a');
    const b = await runningInstance('vol-b');

    const [first, second] = [await describe1(a), await describe1(b)];

    expect(first.RootDeviceName).toBe('/dev/xvda');
    expect(first.BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/xvda', Ebs: expect.objectContaining({ VolumeId: expect.stringMatching(/^vol-[0-9a-f]{17}$/), Status: 'attached', DeleteOnTermination: true, AttachTime: expect.any(Date) }) },
    ]);
    expect(second.BlockDeviceMappings![0].Ebs!.VolumeId).not.toBe(first.BlockDeviceMappings![0].Ebs!.VolumeId);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [b] }));
    advance(10);
    expect((await describe1(b)).BlockDeviceMappings).toEqual([]);
  });

  it('stops and starts an instance, which comes back with a new public IP and the same volume', async () => {
    const instanceId = await runningInstance('restart');
    const before = await describe1(instanceId);

    await ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
    advance(15);
    const stopped = await describe1(instanceId);
    await ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
    advance(10);
    const after = await describe1(instanceId);

    expect(stopped.State?.Name).toBe('stopped');
    expect(stopped.PublicIpAddress).toBeUndefined();
    expect(after.State?.Name).toBe('running');
    expect(after.PublicIpAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(after.PublicIpAddress).not.toBe(before.PublicIpAddress);
    expect(after.BlockDeviceMappings![0].Ebs!.VolumeId).toBe(before.BlockDeviceMappings![0].Ebs!.VolumeId);
  });

  it('creates a tagged snapshot pending, completed after the modelled delay, and keeps it after the instance is gone', async () => {
    const instanceId = await runningInstance('backup');
    const volumeId = (await describe1(instanceId)).BlockDeviceMappings![0].Ebs!.VolumeId!;

    const created = await ec2.send(
      new CreateSnapshotCommand({ VolumeId: volumeId, Description: 'final backup', TagSpecifications: finalBackupTags('backup', 'exec-1') }),
    );
    const pending = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [created.SnapshotId!] }));
    advance(120);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    advance(10);
    const byTags = await ec2.send(
      new DescribeSnapshotsCommand({
        OwnerIds: ['self'],
        Filters: [
          { Name: 'tag:Customer', Values: ['backup'] },
          { Name: 'tag:Purpose', Values: ['final-backup'] },
          { Name: 'tag:Execution', Values: ['exec-1'] },
          { Name: 'status', Values: ['pending', 'completed'] },
        ],
      }),
    );

    expect(created).toMatchObject({
      SnapshotId: expect.stringMatching(/^snap-[0-9a-f]{17}$/),
      VolumeId: volumeId,
      State: 'pending',
      Description: 'final backup',
      OwnerId: '000000000000',
      VolumeSize: 30,
      StartTime: expect.any(Date),
      Tags: [{ Key: 'Customer', Value: 'backup' }, { Key: 'Purpose', Value: 'final-backup' }, { Key: 'Execution', Value: 'exec-1' }],
    });
    expect(pending.Snapshots).toEqual([expect.objectContaining({ SnapshotId: created.SnapshotId, State: 'pending' })]);
    expect(byTags.Snapshots).toEqual([expect.objectContaining({ SnapshotId: created.SnapshotId, State: 'completed', Progress: '100%', CompletionTime: expect.any(Date) })]);
  });

  it('finds nothing for another execution, another owner or a filter that does not match', async () => {
    const instanceId = await runningInstance('filters');
    const volumeId = (await describe1(instanceId)).BlockDeviceMappings![0].Ebs!.VolumeId!;
    await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId, TagSpecifications: finalBackupTags('filters', 'exec-1') }));

    const find = (input: DescribeSnapshotsCommandInput) => ec2.send(new DescribeSnapshotsCommand(input)).then((r) => r.Snapshots ?? []);

    await expect(find({ Filters: [{ Name: 'tag:Customer', Values: ['filters'] }, { Name: 'tag:Execution', Values: ['exec-2'] }] })).resolves.toEqual([]);
    await expect(find({ OwnerIds: ['amazon'], Filters: [{ Name: 'tag:Customer', Values: ['filters'] }] })).resolves.toEqual([]);
    await expect(find({ Filters: [{ Name: 'volume-id', Values: [volumeId] }] })).resolves.toHaveLength(1);
    await expect(find({ Filters: [{ Name: 'status', Values: ['completed'] }, { Name: 'tag:Customer', Values: ['filters'] }] })).resolves.toEqual([]);
  });

  it('answers the errors EC2 does: unknown volume or snapshot, a terminated instance volume, a wrong resource type', async () => {
    const instanceId = await runningInstance('errors');
    const volumeId = (await describe1(instanceId)).BlockDeviceMappings![0].Ebs!.VolumeId!;

    await expect(ec2.send(new CreateSnapshotCommand({ VolumeId: 'vol-0123456789abcdef0' }))).rejects.toMatchObject({ name: 'InvalidVolume.NotFound', $metadata: { httpStatusCode: 400 } });
    await expect(ec2.send(new CreateSnapshotCommand({ VolumeId: 'nope' }))).rejects.toMatchObject({ name: 'InvalidVolumeID.Malformed' });
    await expect(ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: ['snap-0123456789abcdef0'] }))).rejects.toMatchObject({ name: 'InvalidSnapshot.NotFound' });
    await expect(
      ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId, TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'a', Value: 'b' }] }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    advance(10);
    await expect(ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId }))).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
  });
});

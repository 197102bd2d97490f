import { rmSync } from 'node:fs';
import { BackupClient, DescribeRestoreJobCommand, StartBackupJobCommand, StartRestoreJobCommand } from '@aws-sdk/client-backup';
import {
  AttachVolumeCommand,
  DeleteVolumeCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { LOCAL_BACKUP_VAULT } from '../../../../local/sandbox/backup';
import { sdkConfig, testSandbox } from './in-process';

// Model seconds are milliseconds on this clock (scale 0.001); the test moves time by hand.
const { sandbox, advance, dataDir } = testSandbox();
const ec2 = new EC2Client(sdkConfig(sandbox.services.ec2));
const backup = new BackupClient(sdkConfig(sandbox.services.backup!));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const ROLE = 'arn:aws:iam::000000000000:role/backup';
const TAGS = [
  { Key: 'ManagedBy', Value: 'stackpro' },
  { Key: 'Customer', Value: 'rv-a' },
];

/** A running customer server and a COMPLETED recovery point of its root volume. */
async function serverWithBackup() {
  const launched = await ec2.send(
    new RunInstancesCommand({
      LaunchTemplate: { LaunchTemplateId: 'lt-0test', Version: '$Latest' },
      InstanceType: 't3.micro',
      SubnetId: 'subnet-a',
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [
        { ResourceType: 'instance', Tags: TAGS },
        { ResourceType: 'volume', Tags: TAGS },
      ],
    }),
  );
  advance(10);
  const instanceId = launched.Instances![0]!.InstanceId!;
  const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0]!.Instances![0]!;
  const volumeId = instance.BlockDeviceMappings![0]!.Ebs!.VolumeId!;
  const job = await backup.send(
    new StartBackupJobCommand({ BackupVaultName: LOCAL_BACKUP_VAULT, ResourceArn: `arn:aws:ec2:us-east-1:000000000000:volume/${volumeId}`, IamRoleArn: ROLE }),
  );
  advance(200);
  return { instanceId, volumeId, zone: instance.Placement!.AvailabilityZone!, recoveryPointArn: job.RecoveryPointArn! };
}

const volumeOf = async (VolumeId: string) => (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [VolumeId] }))).Volumes![0]!;
const restore = (recoveryPointArn: string, zone: string, IdempotencyToken?: string) =>
  backup.send(new StartRestoreJobCommand({ RecoveryPointArn: recoveryPointArn, IamRoleArn: ROLE, IdempotencyToken, ResourceType: 'EBS', Metadata: { availabilityZone: zone }, CopySourceTagsToRestoredResource: true }));

describe('AWS Backup restore jobs and EBS volumes in the sandbox', () => {
  it('restores a point to a new tagged volume in model time, then swaps it in as the root volume the way EC2 allows', async () => {
    const server = await serverWithBackup();
    const { RestoreJobId } = await restore(server.recoveryPointArn, server.zone, 'exec-1');
    expect((await restore(server.recoveryPointArn, server.zone, 'exec-1')).RestoreJobId).toBe(RestoreJobId);

    const running = await backup.send(new DescribeRestoreJobCommand({ RestoreJobId }));
    expect(running.Status).toMatch(/PENDING|RUNNING/);
    expect(running.CreatedResourceArn).toBeUndefined();
    advance(130);
    const done = await backup.send(new DescribeRestoreJobCommand({ RestoreJobId }));
    expect(done.Status).toBe('COMPLETED');
    const restoredId = done.CreatedResourceArn!.split('/').pop()!;
    expect(await volumeOf(restoredId)).toMatchObject({ State: 'available', AvailabilityZone: server.zone, SnapshotId: server.recoveryPointArn.split('/').pop(), Tags: expect.arrayContaining(TAGS) });

    // A root volume leaves only a stopped server, and a volume in use cannot be deleted.
    await expect(ec2.send(new DetachVolumeCommand({ VolumeId: server.volumeId }))).rejects.toMatchObject({ name: 'OperationNotPermitted' });
    await expect(ec2.send(new DeleteVolumeCommand({ VolumeId: server.volumeId }))).rejects.toMatchObject({ name: 'VolumeInUse' });
    await ec2.send(new StopInstancesCommand({ InstanceIds: [server.instanceId] }));
    advance(20);
    await ec2.send(new DetachVolumeCommand({ VolumeId: server.volumeId, InstanceId: server.instanceId }));
    expect((await volumeOf(server.volumeId)).Attachments![0]!.State).toBe('detaching');
    // A stopped server with nothing at its root device does not start.
    await expect(ec2.send(new AttachVolumeCommand({ VolumeId: restoredId, InstanceId: server.instanceId, Device: '/dev/xvda' }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    advance(10);
    await expect(ec2.send(new StartInstancesCommand({ InstanceIds: [server.instanceId] }))).rejects.toMatchObject({ name: 'IncorrectInstanceState' });
    expect((await volumeOf(server.volumeId)).State).toBe('available');

    await ec2.send(new AttachVolumeCommand({ VolumeId: restoredId, InstanceId: server.instanceId, Device: '/dev/xvda' }));
    advance(10);
    // Attached by AttachVolume, it would outlive the server, as in EC2, until ModifyInstanceAttribute says otherwise.
    expect((await volumeOf(restoredId)).Attachments![0]!.DeleteOnTermination).toBe(false);
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: server.instanceId, BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true } }] }));
    expect((await volumeOf(restoredId)).Attachments![0]!.DeleteOnTermination).toBe(true);
    const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [server.instanceId] }))).Reservations![0]!.Instances![0]!;
    expect(instance.BlockDeviceMappings).toEqual([expect.objectContaining({ DeviceName: '/dev/xvda', Ebs: expect.objectContaining({ VolumeId: restoredId, Status: 'attached' }) })]);
    await ec2.send(new StartInstancesCommand({ InstanceIds: [server.instanceId] }));
    await ec2.send(new DeleteVolumeCommand({ VolumeId: server.volumeId }));
    await expect(volumeOf(server.volumeId)).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
    const inventory = await sandbox.routes['GET /_sandbox/inventory']!({ method: 'GET', path: '/_sandbox/inventory', query: new URLSearchParams({ customer: 'rv-a' }), headers: {}, body: Buffer.alloc(0), region: 'us-east-1' });
    expect(JSON.parse(inventory.body.toString()).volumes).toEqual([expect.objectContaining({ volumeId: restoredId, attachedTo: expect.objectContaining({ instanceId: server.instanceId, device: '/dev/xvda' }) })]);
  });

  it('the RestoreOutcome fault makes the next job end FAILED with AWS Backup\'s message and create nothing; an unfinished point is refused', async () => {
    const server = await serverWithBackup();
    sandbox.faults.add({ service: 'backup', action: 'RestoreOutcome', error: 'FAILED', times: 1 });
    const { RestoreJobId } = await restore(server.recoveryPointArn, server.zone);
    advance(130);
    const failed = await backup.send(new DescribeRestoreJobCommand({ RestoreJobId }));
    expect(failed).toMatchObject({ Status: 'FAILED', StatusMessage: expect.stringContaining('failed') });
    expect(failed.CreatedResourceArn).toBeUndefined();

    await expect(restore('arn:aws:ec2:us-east-1::snapshot/snap-0000000000000000', server.zone)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(backup.send(new StartRestoreJobCommand({ RecoveryPointArn: server.recoveryPointArn, IamRoleArn: ROLE, Metadata: {} }))).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });
});

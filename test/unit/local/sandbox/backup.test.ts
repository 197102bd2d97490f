import { rmSync } from 'node:fs';
import {
  BackupClient,
  DescribeBackupJobCommand,
  DescribeRecoveryPointCommand,
  ListRecoveryPointsByResourceCommand,
  StartBackupJobCommand,
} from '@aws-sdk/client-backup';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { LOCAL_BACKUP_VAULT } from '../../../../local/sandbox/backup';
import { launchRunningInstance, sdkConfig, testSandbox } from './in-process';

// Model seconds are milliseconds on this clock (scale 0.001); the test moves time by hand.
const { sandbox, advance, dataDir } = testSandbox();
const ec2 = new EC2Client(sdkConfig(sandbox.services.ec2));
const backup = new BackupClient(sdkConfig(sandbox.services.backup!));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const ROLE = 'arn:aws:iam::000000000000:role/backup';

async function customerVolumeArn(customer: string): Promise<string> {
  const instanceId = await launchRunningInstance(ec2, advance, customer);
  const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const volumeId = described.Reservations![0]!.Instances![0]!.BlockDeviceMappings![0]!.Ebs!.VolumeId!;
  return `arn:aws:ec2:us-east-1:000000000000:volume/${volumeId}`;
}

const start = (ResourceArn: string, IdempotencyToken?: string, BackupVaultName = LOCAL_BACKUP_VAULT) =>
  backup.send(new StartBackupJobCommand({ BackupVaultName, ResourceArn, IamRoleArn: ROLE, IdempotencyToken, Lifecycle: { DeleteAfterDays: 7 } }));

describe('AWS Backup through BackupClient (restJson)', () => {
  it('takes a snapshot recovery point that is CREATING, then COMPLETED with its size and expiry after the modelled delay', async () => {
    const volume = await customerVolumeArn('bk-a');
    const job = await start(volume, 'bk-a-1');
    expect(job.RecoveryPointArn).toMatch(/^arn:aws:ec2:us-east-1::snapshot\/snap-[0-9a-f]+$/);
    expect(job.CreationDate).toBeInstanceOf(Date);

    const listed = await backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: volume }));
    expect(listed.RecoveryPoints).toEqual([expect.objectContaining({ RecoveryPointArn: job.RecoveryPointArn, Status: 'CREATING', BackupVaultName: LOCAL_BACKUP_VAULT })]);
    expect((await backup.send(new DescribeBackupJobCommand({ BackupJobId: job.BackupJobId }))).State).toBe('RUNNING');

    advance(200);
    const point = await backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: LOCAL_BACKUP_VAULT, RecoveryPointArn: job.RecoveryPointArn }));
    expect(point).toMatchObject({ Status: 'COMPLETED', ResourceArn: volume, ResourceType: 'EBS' });
    expect(point.BackupSizeInBytes).toBeGreaterThanOrEqual(0);
    expect(point.CalculatedLifecycle?.DeleteAt?.getTime()).toBe(point.CreationDate!.getTime() + 7 * 24 * 3600 * 1000);
    expect((await backup.send(new DescribeBackupJobCommand({ BackupJobId: job.BackupJobId }))).State).toBe('COMPLETED');
  });

  it('answers the same job for the same idempotency token, and a new one for another', async () => {
    const volume = await customerVolumeArn('bk-b');
    const [first, again] = await Promise.all([start(volume, 'bk-b-1'), start(volume, 'bk-b-1')]);
    expect(again.BackupJobId).toBe(first.BackupJobId);
    const other = await start(volume, 'bk-b-2');
    expect(other.BackupJobId).not.toBe(first.BackupJobId);
    expect((await backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: volume }))).RecoveryPoints).toHaveLength(2);
  });

  it('pages with NextToken and MaxResults', async () => {
    const volume = await customerVolumeArn('bk-c');
    for (const n of [1, 2, 3]) await start(volume, `bk-c-${n}`);
    const first = await backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: volume, MaxResults: 2 }));
    expect(first.RecoveryPoints).toHaveLength(2);
    const second = await backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: volume, MaxResults: 2, NextToken: first.NextToken }));
    expect(second.RecoveryPoints).toHaveLength(1);
    expect(second.NextToken).toBeUndefined();
  });

  it("answers AWS Backup's own errors: unknown recovery point, unknown job, unknown vault, a volume that does not exist", async () => {
    const missing = backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: LOCAL_BACKUP_VAULT, RecoveryPointArn: 'arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0' }));
    await expect(missing).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(backup.send(new DescribeBackupJobCommand({ BackupJobId: 'NOPE' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    const volume = await customerVolumeArn('bk-d');
    await expect(start(volume, undefined, 'someone-elses-vault')).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(start('arn:aws:ec2:us-east-1:000000000000:volume/vol-0123456789abcdef0')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('fails the next call with an injected fault', async () => {
    sandbox.faults.add({ service: 'backup', action: 'ListRecoveryPointsByResource', error: 'ThrottlingException', times: 1 });
    await expect(backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: 'arn:aws:ec2:us-east-1:000000000000:volume/vol-00000000' }))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
  });
});

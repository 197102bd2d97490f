import { BackupClient, DescribeRecoveryPointCommand, DescribeRestoreJobCommand, StartRestoreJobCommand } from '@aws-sdk/client-backup';
import { AttachVolumeCommand, DeleteVolumeCommand, ModifyInstanceAttributeCommand, DescribeInstancesCommand, DescribeVolumesCommand, DetachVolumeCommand, EC2Client, type Volume } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import type * as Accounts from '../../../lambdas/repositories/accounts';
import type * as Infrastructure from '../../../lambdas/repositories/infrastructure';
import type * as ProvisioningLog from '../../../lambdas/repositories/provisioning-log';
import type * as Restores from '../../../lambdas/repositories/restores';
import { handler as attachVolumeStep } from '../../../lambdas/restore/attach-volume';
import { handler as checkRestoreJobStep } from '../../../lambdas/restore/check-restore-job';
import { handler as deleteVolumeStep } from '../../../lambdas/restore/delete-volume';
import { handler as detachVolumeStep } from '../../../lambdas/restore/detach-volume';
import { handler as finishRestoreStep } from '../../../lambdas/restore/finish-restore';
import { handler as startRestoreJobStep } from '../../../lambdas/restore/start-restore-job';
import { asTask, awsError, ctx, profile, reservation } from '../lifecycle/helpers';

// The repositories the steps use (DynamoDB itself is covered by test/unit/repositories/restores.test.ts):
// reads answer what a test sets, writes succeed and are asserted by their arguments.
const getRestore = jest.fn<ReturnType<typeof Restores.getRestore>, Parameters<typeof Restores.getRestore>>();
const updateRestore = jest.fn<ReturnType<typeof Restores.updateRestore>, Parameters<typeof Restores.updateRestore>>();
const endRestore = jest.fn<ReturnType<typeof Restores.endRestore>, Parameters<typeof Restores.endRestore>>();
jest.mock('../../../lambdas/repositories/restores', () => ({
  getRestore: (...args: Parameters<typeof Restores.getRestore>) => getRestore(...args),
  updateRestore: (...args: Parameters<typeof Restores.updateRestore>) => updateRestore(...args),
  endRestore: (...args: Parameters<typeof Restores.endRestore>) => endRestore(...args),
}));
const getCustomer = jest.fn<ReturnType<typeof Accounts.getCustomer>, Parameters<typeof Accounts.getCustomer>>();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (...args: Parameters<typeof Accounts.getCustomer>) => getCustomer(...args) }));
const getInfrastructure = jest.fn<ReturnType<typeof Infrastructure.getInfrastructure>, Parameters<typeof Infrastructure.getInfrastructure>>();
const updateInfrastructure = jest.fn<ReturnType<typeof Infrastructure.updateInfrastructure>, Parameters<typeof Infrastructure.updateInfrastructure>>();
jest.mock('../../../lambdas/repositories/infrastructure', () => ({
  getInfrastructure: (...args: Parameters<typeof Infrastructure.getInfrastructure>) => getInfrastructure(...args),
  updateInfrastructure: (...args: Parameters<typeof Infrastructure.updateInfrastructure>) => updateInfrastructure(...args),
}));
const recordStep = jest.fn<ReturnType<typeof ProvisioningLog.recordStep>, Parameters<typeof ProvisioningLog.recordStep>>();
const failRunningSteps = jest.fn<ReturnType<typeof ProvisioningLog.failRunningSteps>, Parameters<typeof ProvisioningLog.failRunningSteps>>();
jest.mock('../../../lambdas/repositories/provisioning-log', () => ({
  recordStep: (...args: Parameters<typeof ProvisioningLog.recordStep>) => recordStep(...args),
  failRunningSteps: (...args: Parameters<typeof ProvisioningLog.failRunningSteps>) => failRunningSteps(...args),
}));

// Each step as its Task invokes it: with its state's name (restore-customer.asl.json).
const startRestoreJob = asTask('Start restore job', startRestoreJobStep);
const checkRestoreJob = asTask('Check restore job', checkRestoreJobStep);
const detachVolume = asTask('Detach current volume', detachVolumeStep);
const attachVolume = asTask('Attach restored volume', attachVolumeStep);
const deleteVolume = asTask('Delete restored volume', deleteVolumeStep);
const FINISH_STATES = { restored: 'Confirm restore', rolled_back: 'Record restore failure', rollback_incomplete: 'Record rollback failure' } as const;
const finishRestore = (input: { outcome: keyof typeof FINISH_STATES } & Record<string, unknown>) => asTask(FINISH_STATES[input.outcome], finishRestoreStep)(input);

process.env.BACKUP_VAULT_NAME = 'CustomerVault';
process.env.BACKUP_ROLE_ARN = 'arn:aws:iam::000000000000:role/backup';
process.env.VOLUME_ARN_PREFIX = 'arn:aws:ec2:us-east-1:000000000000:volume/';

const backup = mockClient(BackupClient);
const ec2 = mockClient(EC2Client);

const POINT = 'snap-0123456789abcdef0';

/** The customer's restore record as the route and earlier steps left it. */
function restoreItem(fields: Partial<Restores.RestoreRecord> = {}) {
  getRestore.mockImplementation(async (customerId) =>
    customerId === 'cust-1' ? { executionName: 'acme-cust-1', recoveryPointId: POINT, requestedAt: '2030-01-01T00:00:00.000Z', state: 'running', ...fields } : undefined,
  );
}
const swapped = { instanceId: 'i-1', device: '/dev/xvda', previousVolumeId: 'vol-0old', restoredVolumeId: 'vol-0new' };
const volume = (id: string, attachment?: { state: string; instanceId?: string; device?: string; deleteOnTermination?: boolean }, state = attachment ? 'in-use' : 'available'): { Volumes: Volume[] } => ({
  Volumes: [
    {
      VolumeId: id,
      State: state as 'available',
      Attachments: attachment
        ? [{ VolumeId: id, InstanceId: attachment.instanceId ?? 'i-1', Device: attachment.device ?? '/dev/xvda', State: attachment.state as 'attached', DeleteOnTermination: attachment.deleteOnTermination ?? false }]
        : [],
    },
  ],
});
/** The step-log writes a step made: [step name, status, message]. */
const stepLog = () => recordStep.mock.calls.map(([, , step, status, message]) => [step, status, message]);

beforeEach(() => {
  backup.reset();
  ec2.reset();
  for (const fake of [getRestore, updateRestore, endRestore, getCustomer, getInfrastructure, updateInfrastructure, recordStep, failRunningSteps]) fake.mockReset();
  getRestore.mockResolvedValue(undefined);
  getCustomer.mockResolvedValue(undefined);
  getInfrastructure.mockResolvedValue(undefined);
  for (const write of [updateRestore, endRestore, updateInfrastructure, recordStep, failRunningSteps]) write.mockResolvedValue(undefined);
});

describe('Start restore job', () => {
  beforeEach(() => {
    getCustomer.mockImplementation(async (customerId) => (customerId === 'cust-1' ? (profile({ plan: 'business' }) as Awaited<ReturnType<typeof Accounts.getCustomer>>) : undefined));
    getInfrastructure.mockImplementation(async (customerId) => (customerId === 'cust-1' ? { instanceId: 'i-1' } : undefined));
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ ...reservation({ state: 'running', rootVolume: 'vol-0old' }).Reservations[0]!.Instances[0]!, Placement: { AvailabilityZone: 'us-east-1b' } }] }],
    });
    backup.on(StartRestoreJobCommand).resolves({ RestoreJobId: 'job-1' });
  });

  it("restores the customer's own COMPLETED point to a new encrypted gp3 volume in the server's zone, tags copied, idempotent per execution", async () => {
    restoreItem();
    backup.on(DescribeRecoveryPointCommand).resolves({ ResourceArn: 'arn:aws:ec2:us-east-1:000000000000:volume/vol-0old', Status: 'COMPLETED' });

    await expect(startRestoreJob({ ...ctx, recoveryPointId: POINT })).resolves.toEqual({ restoreJobId: 'job-1', instanceId: 'i-1', plan: 'business' });

    expect(backup.commandCalls(StartRestoreJobCommand)[0]!.args[0].input).toEqual({
      RecoveryPointArn: `arn:aws:ec2:us-east-1::snapshot/${POINT}`,
      IamRoleArn: process.env.BACKUP_ROLE_ARN,
      IdempotencyToken: 'acme-cust-1',
      ResourceType: 'EBS',
      Metadata: { availabilityZone: 'us-east-1b', volumeType: 'gp3', encrypted: 'true' },
      CopySourceTagsToRestoredResource: true,
    });
    expect(updateRestore).toHaveBeenLastCalledWith('cust-1', { instanceId: 'i-1', device: '/dev/xvda', previousVolumeId: 'vol-0old', restoreJobId: 'job-1' });
  });

  it("refuses another customer's point (its volume is not this customer's, now or before): no restore job", async () => {
    restoreItem({ formerVolumeIds: ['vol-0older'] });
    backup.on(DescribeRecoveryPointCommand).resolves({ ResourceArn: 'arn:aws:ec2:us-east-1:000000000000:volume/vol-0someoneelse', Status: 'COMPLETED' });

    await expect(startRestoreJob({ ...ctx, recoveryPointId: POINT })).rejects.toMatchObject({ name: 'RecoveryPointNotOwnedError' });
    expect(backup.commandCalls(StartRestoreJobCommand)).toHaveLength(0);
    expect(updateRestore).not.toHaveBeenCalled();
  });

  it('accepts a point of a volume an earlier restore replaced', async () => {
    restoreItem({ formerVolumeIds: ['vol-0older'] });
    backup.on(DescribeRecoveryPointCommand).resolves({ ResourceArn: 'arn:aws:ec2:us-east-1:000000000000:volume/vol-0older', Status: 'COMPLETED' });
    await expect(startRestoreJob({ ...ctx, recoveryPointId: POINT })).resolves.toMatchObject({ restoreJobId: 'job-1' });
  });

  it('refuses a point still being made, and a restore the record does not name', async () => {
    restoreItem();
    backup.on(DescribeRecoveryPointCommand).resolves({ ResourceArn: 'arn:aws:ec2:us-east-1:000000000000:volume/vol-0old', Status: 'CREATING' });
    await expect(startRestoreJob({ ...ctx, recoveryPointId: POINT })).rejects.toMatchObject({ name: 'RecoveryPointNotReadyError' });
    await expect(startRestoreJob({ ...ctx, recoveryPointId: 'snap-0fffffffffffffff0' })).rejects.toMatchObject({ name: 'RestoreNotClaimedError' });
    expect(backup.commandCalls(StartRestoreJobCommand)).toHaveLength(0);
  });
});

describe('Check restore job', () => {
  it('is not ready while AWS Backup runs the job, then records the new volume', async () => {
    backup.on(DescribeRestoreJobCommand).resolvesOnce({ Status: 'RUNNING', PercentDone: '40.0' }).resolves({ Status: 'COMPLETED', CreatedResourceArn: 'arn:aws:ec2:us-east-1:000000000000:volume/vol-0new' });

    await expect(checkRestoreJob({ ...ctx, restoreJobId: 'job-1' })).rejects.toMatchObject({ name: 'NotReadyError', message: 'Restore job job-1 is RUNNING (40.0%)' });
    await expect(checkRestoreJob({ ...ctx, restoreJobId: 'job-1' })).resolves.toEqual({ volumeId: 'vol-0new' });
    expect(updateRestore.mock.calls).toEqual([['cust-1', { restoredVolumeId: 'vol-0new' }]]);
  });

  it.each(['FAILED', 'ABORTED'])('fails on %s with a reason that names no ARN (AWS Backup\'s message goes to the log only)', async (status) => {
    backup.on(DescribeRestoreJobCommand).resolves({ Status: status as 'FAILED', StatusMessage: 'arn:aws:iam::123456789012:role/x is not authorized' });
    const failure = await checkRestoreJob({ ...ctx, restoreJobId: 'job-1' }).catch((error: Error) => error);
    expect(failure).toMatchObject({ name: 'RestoreJobFailedError' });
    expect((failure as Error).message).not.toMatch(/arn:|123456789012/);
  });
});

describe('Detach volume', () => {
  it('detaches the previous volume from the stopped server and waits until it is available (it is kept)', async () => {
    restoreItem(swapped);
    ec2.on(DescribeVolumesCommand).resolvesOnce(volume('vol-0old', { state: 'attached' })).resolvesOnce(volume('vol-0old', { state: 'detaching' })).resolves(volume('vol-0old'));

    await expect(detachVolume({ ...ctx, which: 'previous' })).rejects.toMatchObject({ name: 'NotReadyError' });
    await expect(detachVolume({ ...ctx, which: 'previous' })).rejects.toMatchObject({ name: 'NotReadyError' });
    await expect(detachVolume({ ...ctx, which: 'previous' })).resolves.toEqual({ volumeId: 'vol-0old' });
    expect(ec2.commandCalls(DetachVolumeCommand).map((c) => c.args[0].input)).toEqual([{ VolumeId: 'vol-0old', InstanceId: 'i-1' }]);
    expect(ec2.commandCalls(DeleteVolumeCommand)).toHaveLength(0);
  });

  it('has nothing to do for a restored volume the job never made, and refuses a volume on another server', async () => {
    restoreItem({ ...swapped, restoredVolumeId: undefined });
    await expect(detachVolume({ ...ctx, which: 'restored' })).resolves.toEqual({ volumeId: null });

    restoreItem(swapped);
    ec2.on(DescribeVolumesCommand).resolves(volume('vol-0new', { state: 'attached', instanceId: 'i-other' }));
    await expect(detachVolume({ ...ctx, which: 'restored' })).rejects.toMatchObject({ name: 'VolumeSwapError' });
    expect(ec2.commandCalls(DetachVolumeCommand)).toHaveLength(0);
  });
});

describe('Attach volume', () => {
  it('attaches the restored volume at the previous volume\'s device and waits until attached', async () => {
    restoreItem(swapped);
    ec2.on(DescribeVolumesCommand).resolvesOnce(volume('vol-0new')).resolvesOnce(volume('vol-0new', { state: 'attaching' })).resolves(volume('vol-0new', { state: 'attached' }));

    await expect(attachVolume({ ...ctx, which: 'restored' })).rejects.toMatchObject({ name: 'NotReadyError' });
    await expect(attachVolume({ ...ctx, which: 'restored' })).rejects.toMatchObject({ name: 'NotReadyError' });
    await expect(attachVolume({ ...ctx, which: 'restored' })).resolves.toEqual({ volumeId: 'vol-0new' });
    expect(ec2.commandCalls(AttachVolumeCommand).map((c) => c.args[0].input)).toEqual([{ VolumeId: 'vol-0new', InstanceId: 'i-1', Device: '/dev/xvda' }]);
    // Deleted with the server, as the launch's root volume was (AttachVolume leaves it false): no volume outlives a deprovisioning.
    expect(ec2.commandCalls(ModifyInstanceAttributeCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceId: 'i-1', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true } }] },
    ]);
  });

  it('is done at once when the previous volume never left (a roll-back before the swap)', async () => {
    restoreItem(swapped);
    ec2.on(DescribeVolumesCommand).resolves(volume('vol-0old', { state: 'attached', deleteOnTermination: true }));
    await expect(attachVolume({ ...ctx, which: 'previous' })).resolves.toEqual({ volumeId: 'vol-0old' });
    expect(ec2.commandCalls(AttachVolumeCommand)).toHaveLength(0);
    expect(ec2.commandCalls(ModifyInstanceAttributeCommand)).toHaveLength(0);
  });

  it('waits while the restored volume is still being created', async () => {
    restoreItem(swapped);
    ec2.on(DescribeVolumesCommand).resolves(volume('vol-0new', undefined, 'creating'));
    await expect(attachVolume({ ...ctx, which: 'restored' })).rejects.toMatchObject({ name: 'NotReadyError', message: 'Volume vol-0new is creating' });
  });
});

describe('Delete volume', () => {
  it('deletes a detached volume; one already gone is done', async () => {
    restoreItem(swapped);
    ec2.on(DescribeVolumesCommand).resolvesOnce(volume('vol-0old')).rejects(awsError('InvalidVolume.NotFound'));
    await expect(deleteVolume({ ...ctx, which: 'previous' })).resolves.toEqual({ volumeId: 'vol-0old' });
    await expect(deleteVolume({ ...ctx, which: 'previous' })).resolves.toEqual({ volumeId: 'vol-0old' });
    expect(ec2.commandCalls(DeleteVolumeCommand).map((c) => c.args[0].input)).toEqual([{ VolumeId: 'vol-0old' }]);
  });

  it('never deletes a volume that is attached (it would be the server\'s disk)', async () => {
    restoreItem(swapped);
    ec2.on(DescribeVolumesCommand).resolves(volume('vol-0new', { state: 'attached' }));
    await expect(deleteVolume({ ...ctx, which: 'restored' })).rejects.toMatchObject({ name: 'VolumeSwapError' });
    expect(ec2.commandCalls(DeleteVolumeCommand)).toHaveLength(0);
  });
});

describe('Finish restore', () => {
  beforeEach(() => {
    getInfrastructure.mockImplementation(async (customerId) => (customerId === 'cust-1' ? { instanceId: 'i-1' } : undefined));
    ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'running', ip: '203.0.113.9', rootVolume: 'vol-0new' }));
  });

  it('confirms a healthy restore: the replaced volume joins the customer\'s former volumes and the new address is recorded', async () => {
    restoreItem({ ...swapped, formerVolumeIds: ['vol-0older'] });

    await expect(finishRestore({ ...ctx, outcome: 'restored' })).resolves.toEqual({ reason: null });

    // endRestore adds the replaced volume to formerVolumeIds once (test/unit/repositories/restores.test.ts).
    expect(endRestore.mock.calls).toEqual([['cust-1', 'restored', { formerVolumeId: 'vol-0old' }]]);
    expect(updateInfrastructure).toHaveBeenCalledWith('cust-1', expect.objectContaining({ publicIp: '203.0.113.9' }));
    expect(failRunningSteps).not.toHaveBeenCalled();
  });

  it('records a roll-back with a customer-safe reason that the status route shows as a failed step', async () => {
    restoreItem(swapped);

    const result = await finishRestore({
      ...ctx,
      stepName: 'Record restore failure',
      outcome: 'rolled_back',
      error: { Error: 'DeploymentFailedError', Cause: JSON.stringify({ errorType: 'DeploymentFailedError', errorMessage: 'Deployment command cmd-1 ended Failed' }) },
    });

    expect(result.reason).toBe(`The restore from ${POINT} did not complete and was undone; the server runs on its previous data. Deployment command cmd-1 ended Failed`);
    expect(endRestore.mock.calls).toEqual([['cust-1', 'rolled_back', { reason: result.reason }]]);
    expect(stepLog().at(-1)).toEqual(['Record restore failure', 'failed', result.reason]);
  });

  it('an AWS error in the cause becomes a reference, never its raw message', async () => {
    restoreItem(swapped);
    const result = await finishRestore({ ...ctx, outcome: 'rollback_incomplete', error: { Error: 'UnauthorizedOperation', Cause: 'arn:aws:iam::123456789012:role/x' } });
    expect(result.reason).not.toMatch(/arn:|123456789012/);
    expect(endRestore).toHaveBeenLastCalledWith('cust-1', 'rollback_incomplete', { reason: result.reason });
  });
});

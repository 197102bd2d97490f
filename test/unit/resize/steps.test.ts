import {
  CreateSnapshotCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  DescribeVolumesModificationsCommand,
  EC2Client,
  type Instance,
  ModifyInstanceAttributeCommand,
  ModifyVolumeCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { GetCommandInvocationCommand, SSMClient, SendCommandCommand } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { Customer } from '../../../lambdas/core/customer';
import type * as SentNotices from '../../../lambdas/notifications/sent-notices';
import type * as Accounts from '../../../lambdas/repositories/accounts';
import type * as Infrastructure from '../../../lambdas/repositories/infrastructure';
import type * as PlanChanges from '../../../lambdas/repositories/plan-changes';
import type * as ProvisioningLog from '../../../lambdas/repositories/provisioning-log';
import { handler as changeTypeStep } from '../../../lambdas/resize/change-instance-type';
import { handler as completeStep } from '../../../lambdas/resize/complete-plan-change';
import { handler as findInstanceStep } from '../../../lambdas/resize/find-instance';
import { handler as growFileSystemStep } from '../../../lambdas/resize/grow-file-system';
import { handler as growVolumeStep } from '../../../lambdas/resize/grow-volume';
import { handler as recordFailureStep } from '../../../lambdas/resize/record-resize-failure';
import { handler as restoreStep } from '../../../lambdas/resize/restore-previous-type';
import { handler as snapshotStep } from '../../../lambdas/resize/snapshot-before-resize';
import { handler as startStep } from '../../../lambdas/resize/start-instance';
import { handler as stopStep } from '../../../lambdas/resize/stop-instance';
import { asTask } from '../provisioning/helpers';

// The repositories the steps use (the plan-change conditions are proven on DynamoDB Local in
// test/unit/repositories/plan-changes.test.ts): reads answer the customer, writes succeed.
const getCustomer = jest.fn<ReturnType<typeof Accounts.getCustomer>, Parameters<typeof Accounts.getCustomer>>();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (...args: Parameters<typeof Accounts.getCustomer>) => getCustomer(...args) }));
const getInfrastructure = jest.fn<ReturnType<typeof Infrastructure.getInfrastructure>, Parameters<typeof Infrastructure.getInfrastructure>>();
const updateInfrastructure = jest.fn<ReturnType<typeof Infrastructure.updateInfrastructure>, Parameters<typeof Infrastructure.updateInfrastructure>>();
jest.mock('../../../lambdas/repositories/infrastructure', () => ({
  getInfrastructure: (...args: Parameters<typeof Infrastructure.getInfrastructure>) => getInfrastructure(...args),
  updateInfrastructure: (...args: Parameters<typeof Infrastructure.updateInfrastructure>) => updateInfrastructure(...args),
}));
const completePlanChange = jest.fn<ReturnType<typeof PlanChanges.completePlanChange>, Parameters<typeof PlanChanges.completePlanChange>>();
const failPlanChange = jest.fn<ReturnType<typeof PlanChanges.failPlanChange>, Parameters<typeof PlanChanges.failPlanChange>>();
jest.mock('../../../lambdas/repositories/plan-changes', () => ({
  completePlanChange: (...args: Parameters<typeof PlanChanges.completePlanChange>) => completePlanChange(...args),
  failPlanChange: (...args: Parameters<typeof PlanChanges.failPlanChange>) => failPlanChange(...args),
}));
const recordStep = jest.fn<ReturnType<typeof ProvisioningLog.recordStep>, Parameters<typeof ProvisioningLog.recordStep>>();
const failRunningSteps = jest.fn<ReturnType<typeof ProvisioningLog.failRunningSteps>, Parameters<typeof ProvisioningLog.failRunningSteps>>();
jest.mock('../../../lambdas/repositories/provisioning-log', () => ({
  recordStep: (...args: Parameters<typeof ProvisioningLog.recordStep>) => recordStep(...args),
  failRunningSteps: (...args: Parameters<typeof ProvisioningLog.failRunningSteps>) => failRunningSteps(...args),
}));
// The once-per-key claim on the notice record is sent-notices' (test/unit/repositories/sent-notices.test.ts).
const claimNotice = jest.fn<ReturnType<typeof SentNotices.claimNotice>, Parameters<typeof SentNotices.claimNotice>>();
const markNoticeSent = jest.fn<ReturnType<typeof SentNotices.markNoticeSent>, Parameters<typeof SentNotices.markNoticeSent>>();
const releaseNotice = jest.fn<ReturnType<typeof SentNotices.releaseNotice>, Parameters<typeof SentNotices.releaseNotice>>();
jest.mock('../../../lambdas/notifications/sent-notices', () => ({
  claimNotice: (...args: Parameters<typeof SentNotices.claimNotice>) => claimNotice(...args),
  markNoticeSent: (...args: Parameters<typeof SentNotices.markNoticeSent>) => markNoticeSent(...args),
  releaseNotice: (...args: Parameters<typeof SentNotices.releaseNotice>) => releaseNotice(...args),
}));
const fakes = [claimNotice, markNoticeSent, releaseNotice, getCustomer, getInfrastructure, updateInfrastructure, completePlanChange, failPlanChange, recordStep, failRunningSteps];

const changeType = asTask('Change instance type', changeTypeStep);
const complete = asTask('Complete plan change', completeStep);
const findInstance = asTask('Find instance', findInstanceStep);
const growFileSystem = asTask('Grow file system', growFileSystemStep);
const growVolume = asTask('Grow data volume', growVolumeStep);
const recordFailure = asTask('Record resize failure', recordFailureStep);
const restore = asTask('Put back previous type', restoreStep);
const snapshot = asTask('Snapshot data volume', snapshotStep);
const start = asTask('Start instance', startStep);
const stop = asTask('Stop instance', stopStep);

const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
const ses = mockClient(SESv2Client);

const base = { customerId: 'cust-1', executionName: 'resize-enterprise-cust-1-abc', changeId: 'abc', fromPlan: 'business', toPlan: 'enterprise' };
const onInstance = { ...base, instanceId: 'i-1' };
const instance = (state: string, type = 't3.small', ip?: string): Instance =>
  ({ InstanceId: 'i-1', InstanceType: type, State: { Name: state }, PublicIpAddress: ip, RootDeviceName: '/dev/xvda', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-1' } }] }) as Instance;
const describes = (...instances: Instance[]) => {
  const stub = ec2.on(DescribeInstancesCommand);
  for (const one of instances) stub.resolvesOnce({ Reservations: [{ Instances: [one] }] });
};
const customer = { customerId: 'cust-1', email: 'a@example.test', firstName: 'Ada', company: 'Acme', subdomain: 'acme.x', plan: 'business', status: 'active', pendingPlan: 'enterprise', planChange: { changeId: 'abc', from: 'business', to: 'enterprise' } };

beforeEach(() => {
  for (const client of [ec2, ssm, ses]) client.reset();
  for (const fake of fakes) fake.mockReset();
  getCustomer.mockImplementation(async (customerId) => (customerId === 'cust-1' ? (customer as unknown as Customer) : undefined));
  getInfrastructure.mockImplementation(async (customerId) => (customerId === 'cust-1' ? { instanceId: 'i-1' } : undefined));
  for (const write of [updateInfrastructure, recordStep, failRunningSteps]) write.mockResolvedValue(undefined);
  completePlanChange.mockResolvedValue(true);
  claimNotice.mockResolvedValue(true);
  markNoticeSent.mockResolvedValue(undefined);
  releaseNotice.mockResolvedValue(undefined);
  failPlanChange.mockResolvedValue(true);
});

describe('Find instance', () => {
  it("reads the instance, its type and data volume for the account's pending change", async () => {
    describes(instance('running', 't3.small', '203.0.113.9'));
    await expect(findInstance(base)).resolves.toEqual({ instanceId: 'i-1', previousType: 't3.small', volumeId: 'vol-1', subdomain: 'acme.x' });
  });

  it('refuses a change that is not the pending one', async () => {
    await expect(findInstance({ ...base, changeId: 'older' })).rejects.toMatchObject({ name: 'PlanChangeMismatchError' });
  });
});

describe('Snapshot data volume', () => {
  it('snapshots the volume tagged pre-resize with this execution, once', async () => {
    ec2.on(DescribeSnapshotsCommand).resolvesOnce({ Snapshots: [] }).resolves({ Snapshots: [{ SnapshotId: 'snap-1' }] });
    ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-1' });
    await expect(snapshot({ ...base, volumeId: 'vol-1' })).resolves.toEqual({ snapshotId: 'snap-1' });
    await expect(snapshot({ ...base, volumeId: 'vol-1' })).resolves.toEqual({ snapshotId: 'snap-1' });
    expect(ec2.commandCalls(CreateSnapshotCommand)).toHaveLength(1);
    expect(ec2.commandCalls(CreateSnapshotCommand)[0].args[0].input.TagSpecifications?.[0].Tags).toEqual(
      expect.arrayContaining([{ Key: 'Purpose', Value: 'pre-resize' }, { Key: 'Execution', Value: base.executionName }, { Key: 'ManagedBy', Value: 'stackpro' }]),
    );
  });
});

describe('Stop instance / Start instance', () => {
  it('asks EC2 to stop and answers not ready until stopped', async () => {
    describes(instance('running'), instance('stopped'));
    ec2.on(StopInstancesCommand).resolves({ StoppingInstances: [{ CurrentState: { Name: 'stopping' } }] });
    await expect(stop(onInstance)).rejects.toMatchObject({ name: 'NotReadyError' });
    await expect(stop(onInstance)).resolves.toEqual({ instanceId: 'i-1' });
    expect(ec2.commandCalls(StopInstancesCommand)).toHaveLength(1);
  });

  it('starts and answers the new public address once running', async () => {
    describes(instance('stopped'), instance('running', 't3.medium', '203.0.113.20'));
    ec2.on(StartInstancesCommand).resolves({ StartingInstances: [{ CurrentState: { Name: 'pending' } }] });
    await expect(start(onInstance)).rejects.toMatchObject({ name: 'NotReadyError' });
    await expect(start(onInstance)).resolves.toEqual({ publicIp: '203.0.113.20' });
    expect(updateInfrastructure.mock.calls).toEqual([['cust-1', { publicIp: '203.0.113.20' }]]);
  });
});

describe('Change instance type', () => {
  it("sets the target plan's type, and does nothing when it is that type already", async () => {
    describes(instance('stopped', 't3.small'), instance('stopped', 't3.medium'));
    ec2.on(ModifyInstanceAttributeCommand).resolves({});
    await expect(changeType(onInstance)).resolves.toEqual({ instanceType: 't3.medium' });
    await expect(changeType(onInstance)).resolves.toEqual({ instanceType: 't3.medium' });
    expect(ec2.commandCalls(ModifyInstanceAttributeCommand).map((call) => call.args[0].input)).toEqual([{ InstanceId: 'i-1', InstanceType: { Value: 't3.medium' } }]);
  });

  it("lets EC2's IncorrectInstanceState through (the workflow puts the previous type back)", async () => {
    describes(instance('running', 't3.small'));
    ec2.on(ModifyInstanceAttributeCommand).rejects(Object.assign(new Error('not stopped'), { name: 'IncorrectInstanceState' }));
    await expect(changeType(onInstance)).rejects.toMatchObject({ name: 'IncorrectInstanceState' });
  });
});

describe('Grow data volume', () => {
  it("asks for the target plan's size once, then waits for the modification to be optimizing", async () => {
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [{ VolumeId: 'vol-1', Size: 50 }] });
    ec2
      .on(DescribeVolumesModificationsCommand)
      .resolvesOnce({ VolumesModifications: [] })
      .resolvesOnce({ VolumesModifications: [{ TargetSize: 100, ModificationState: 'modifying' }] })
      .resolves({ VolumesModifications: [{ TargetSize: 100, ModificationState: 'optimizing' }] });
    ec2.on(ModifyVolumeCommand).resolves({});
    const input = { ...base, volumeId: 'vol-1' };
    await expect(growVolume(input)).rejects.toMatchObject({ name: 'NotReadyError' });
    await expect(growVolume(input)).rejects.toMatchObject({ name: 'NotReadyError' });
    await expect(growVolume(input)).resolves.toEqual({ grown: true, sizeGb: 100 });
    expect(ec2.commandCalls(ModifyVolumeCommand).map((call) => call.args[0].input)).toEqual([{ VolumeId: 'vol-1', Size: 100 }]);
  });

  it('keeps a larger volume on a downgrade (EBS cannot shrink)', async () => {
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [{ VolumeId: 'vol-1', Size: 50 }] });
    ec2.on(DescribeVolumesModificationsCommand).resolves({ VolumesModifications: [] });
    await expect(growVolume({ ...base, fromPlan: 'business', toPlan: 'starter', volumeId: 'vol-1' })).resolves.toEqual({ grown: false, sizeGb: 50 });
    expect(ec2.commandCalls(ModifyVolumeCommand)).toHaveLength(0);
  });
});

describe('Grow file system', () => {
  it('sends the growth script once, then waits for the command', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
    ssm.on(GetCommandInvocationCommand).resolvesOnce({ Status: 'InProgress' }).resolves({ Status: 'Success' });
    await expect(growFileSystem(onInstance)).resolves.toEqual({ commandId: 'cmd-1', done: false });
    expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input).toMatchObject({ DocumentName: 'AWS-RunShellScript', InstanceIds: ['i-1'] });
    await expect(growFileSystem({ ...onInstance, commandId: 'cmd-1' })).rejects.toMatchObject({ name: 'NotReadyError' });
    await expect(growFileSystem({ ...onInstance, commandId: 'cmd-1' })).resolves.toEqual({ commandId: 'cmd-1', done: true });
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(1);
  });

  it('waits while the SSM agent is not online after the start (InvalidInstanceId)', async () => {
    ssm.on(SendCommandCommand).rejects(Object.assign(new Error('not managed'), { name: 'InvalidInstanceId' }));
    await expect(growFileSystem(onInstance)).rejects.toMatchObject({ name: 'NotReadyError' });
  });

  it('fails with FileSystemGrowthError when the command failed', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Failed' });
    await expect(growFileSystem({ ...onInstance, commandId: 'cmd-1' })).rejects.toMatchObject({ name: 'FileSystemGrowthError' });
  });
});

describe('Put back previous type', () => {
  it('stops a resized instance, restores its type and starts it again', async () => {
    describes(
      instance('running', 't3.medium'),
      instance('running', 't3.medium'),
      instance('running', 't3.medium'),
      instance('stopped', 't3.medium'),
      instance('stopped', 't3.small'),
      instance('running', 't3.small', '203.0.113.30'),
      instance('running', 't3.small', '203.0.113.30'),
    );
    ec2.on(StopInstancesCommand).resolves({ StoppingInstances: [{ CurrentState: { Name: 'stopping' } }] });
    ec2.on(StartInstancesCommand).resolves({ StartingInstances: [{ CurrentState: { Name: 'pending' } }] });
    ec2.on(ModifyInstanceAttributeCommand).resolves({});
    const input = { ...base, instanceId: 'i-1', previousType: 't3.small' };
    // Stopping: not ready. Then stopped: type restored, start requested: not ready. Then running.
    await expect(restore(input)).rejects.toMatchObject({ name: 'NotReadyError' });
    await expect(restore(input)).rejects.toMatchObject({ name: 'NotReadyError' });
    await expect(restore(input)).resolves.toEqual({ publicIp: '203.0.113.30' });
    expect(ec2.commandCalls(ModifyInstanceAttributeCommand).map((call) => call.args[0].input)).toEqual([{ InstanceId: 'i-1', InstanceType: { Value: 't3.small' } }]);
    expect(updateInfrastructure).toHaveBeenLastCalledWith('cust-1', { publicIp: '203.0.113.30' });
  });

  it('only starts an instance that still has its previous type (the failure came before the change)', async () => {
    describes(instance('stopped', 't3.small'), instance('stopped', 't3.small'), instance('running', 't3.small', '203.0.113.31'), instance('running', 't3.small', '203.0.113.31'));
    ec2.on(StartInstancesCommand).resolves({ StartingInstances: [{ CurrentState: { Name: 'pending' } }] });
    const input = { ...base, instanceId: 'i-1', previousType: 't3.small' };
    await expect(restore(input)).rejects.toMatchObject({ name: 'NotReadyError' });
    await expect(restore(input)).resolves.toEqual({ publicIp: '203.0.113.31' });
    expect(ec2.commandCalls(ModifyInstanceAttributeCommand)).toHaveLength(0);
  });
});

describe('Complete plan change / Record resize failure', () => {
  it('moves the plan for this change and emails the customer', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    await expect(complete(base)).resolves.toEqual({ plan: 'enterprise' });
    expect(completePlanChange.mock.calls).toEqual([['cust-1', 'abc', expect.any(String)]]);
    expect(ses.commandCalls(SendEmailCommand)[0].args[0].input.Content?.Simple?.Subject?.Data).toBe('Your StackPro plan is now enterprise');
    // Once per change: the execution name is the notice's dedupe key.
    expect(claimNotice).toHaveBeenCalledWith('cust-1', 'plan_changed', base.executionName);
    expect(markNoticeSent).toHaveBeenCalledWith('cust-1', 'plan_changed', base.executionName, 'm-1');
  });

  it('clears the pending plan and keeps a customer-safe reason', async () => {
    const output = await recordFailure({ ...base, error: { Error: 'IncorrectInstanceState', Cause: '{"errorMessage":"arn:aws:ec2:secret"}' }, price: { restored: true } });
    expect(output.reason).not.toContain('arn:');
    expect(failPlanChange.mock.calls).toEqual([['cust-1', 'abc', output.reason]]);
    expect(failRunningSteps).toHaveBeenCalledWith('cust-1', base.executionName, output.reason);
  });
});

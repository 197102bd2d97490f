import { rmSync } from 'node:fs';
import { PinpointSMSVoiceV2Client, ReleasePhoneNumberCommand, RequestPhoneNumberCommand, SendTextMessageCommand, UpdatePhoneNumberCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SendWhatsAppMessageCommand, SocialMessagingClient } from '@aws-sdk/client-socialmessaging';
import {
  BackupClient,
  DescribeBackupJobCommand,
  DescribeRecoveryPointCommand,
  DescribeRestoreJobCommand,
  ListRecoveryPointsByResourceCommand,
  StartBackupJobCommand,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  AttachVolumeCommand,
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DetachVolumeCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  DescribeVolumesModificationsCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  ModifyVolumeCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import {
  CreateEmailIdentityCommand,
  DeleteEmailIdentityCommand,
  GetAccountCommand,
  GetEmailIdentityCommand,
  ListEmailIdentitiesCommand,
  SendEmailCommand,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import {
  AddTagsToResourceCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import type { EdgeResponse } from '../../../../local/edge/edge-service';
import { sdkConfig, testSandbox } from './in-process';

const { sandbox, advance, dataDir } = testSandbox();
const ec2 = new EC2Client(sdkConfig(sandbox.services.ec2));
const route53 = new Route53Client(sdkConfig(sandbox.services.route53));
const ses = new SESv2Client(sdkConfig(sandbox.services.ses));
const ssm = new SSMClient(sdkConfig(sandbox.services.ssm));
const cloudWatch = new CloudWatchClient(sdkConfig(sandbox.services.monitoring));
const backup = new BackupClient(sdkConfig(sandbox.services.backup!));
const smsVoice = new PinpointSMSVoiceV2Client(sdkConfig(sandbox.services['sms-voice']!));
const socialMessaging = new SocialMessagingClient(sdkConfig(sandbox.services['social-messaging']!));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
afterEach(() => sandbox.faults.clear());

/** `POST /_sandbox/faults` as the edge server calls it. */
async function injectFault(body: unknown): Promise<EdgeResponse> {
  const route = sandbox.routes['POST /_sandbox/faults'];
  return route({ method: 'POST', path: '/_sandbox/faults', query: new URLSearchParams(), headers: {}, body: Buffer.from(JSON.stringify(body)), region: 'us-east-1' });
}

const instanceId = 'i-0123456789abcdef0';
const zone = '/hostedzone/Z0TEST';

/**
 * One real SDK call per action the sandbox serves. Inputs are valid enough to serialize: the fault fires
 * before the sandbox reads them. Kept beside the registry on purpose: an action served without a call
 * here fails the first test, so a new action cannot ship untested.
 */
const CALLS: Record<string, Record<string, () => Promise<unknown>>> = {
  ec2: {
    RunInstances: () => ec2.send(new RunInstancesCommand({ LaunchTemplate: { LaunchTemplateId: 'lt-0test' }, MinCount: 1, MaxCount: 1 })),
    DescribeInstances: () => ec2.send(new DescribeInstancesCommand({})),
    TerminateInstances: () => ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] })),
    StopInstances: () => ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] })),
    StartInstances: () => ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] })),
    CreateSnapshot: () => ec2.send(new CreateSnapshotCommand({ VolumeId: 'vol-0123456789abcdef0' })),
    DeleteSnapshot: () => ec2.send(new DeleteSnapshotCommand({ SnapshotId: 'snap-0123456789abcdef0' })),
    DescribeSnapshots: () => ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] })),
    DescribeInstanceStatus: () => ec2.send(new DescribeInstanceStatusCommand({})),
    ModifyInstanceAttribute: () => ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, InstanceType: { Value: 't3.medium' } })),
    ModifyVolume: () => ec2.send(new ModifyVolumeCommand({ VolumeId: 'vol-0123456789abcdef0', Size: 50 })),
    DescribeVolumes: () => ec2.send(new DescribeVolumesCommand({})),
    DescribeVolumesModifications: () => ec2.send(new DescribeVolumesModificationsCommand({ VolumeIds: ['vol-0123456789abcdef0'] })),
    AttachVolume: () => ec2.send(new AttachVolumeCommand({ VolumeId: 'vol-0123456789abcdef0', InstanceId: instanceId, Device: '/dev/xvda' })),
    DetachVolume: () => ec2.send(new DetachVolumeCommand({ VolumeId: 'vol-0123456789abcdef0' })),
    DeleteVolume: () => ec2.send(new DeleteVolumeCommand({ VolumeId: 'vol-0123456789abcdef0' })),
  },
  route53: {
    GetChange: () => route53.send(new GetChangeCommand({ Id: '/change/C0TEST' })),
    ChangeResourceRecordSets: () =>
      route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zone,
          ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: 'a.customers.stackpro.test', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '203.0.113.1' }] } }] },
        }),
      ),
    ListResourceRecordSets: () => route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone })),
    ListHostedZones: () => route53.send(new ListHostedZonesCommand({})),
    ListHostedZonesByName: () => route53.send(new ListHostedZonesByNameCommand({})),
    GetHostedZone: () => route53.send(new GetHostedZoneCommand({ Id: zone })),
  },
  sesv2: {
    CreateEmailIdentity: () => ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'a.customers.stackpro.test' })),
    GetEmailIdentity: () => ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'a.customers.stackpro.test' })),
    DeleteEmailIdentity: () => ses.send(new DeleteEmailIdentityCommand({ EmailIdentity: 'a.customers.stackpro.test' })),
    SendEmail: () =>
      ses.send(
        new SendEmailCommand({
          FromEmailAddress: 'welcome@stackpro.test',
          Destination: { ToAddresses: ['a@example.com'] },
          Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Hi' } } } },
        }),
      ),
    ListEmailIdentities: () => ses.send(new ListEmailIdentitiesCommand({})),
    GetAccount: () => ses.send(new GetAccountCommand({})),
  },
  ssm: {
    DescribeInstanceInformation: () => ssm.send(new DescribeInstanceInformationCommand({})),
    SendCommand: () => ssm.send(new SendCommandCommand({ DocumentName: 'StackPro-DeployApplications', InstanceIds: [instanceId] })),
    GetCommandInvocation: () => ssm.send(new GetCommandInvocationCommand({ CommandId: '00000000-0000-0000-0000-000000000000', InstanceId: instanceId })),
    PutParameter: () => ssm.send(new PutParameterCommand({ Name: '/stackpro/customers/c-1/db', Value: 'secret', Type: 'SecureString' })),
    AddTagsToResource: () => ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/stackpro/customers/c-1/db', Tags: [{ Key: 'a', Value: 'b' }] })),
    ListTagsForResource: () => ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/stackpro/customers/c-1/db' })),
    ListCommands: () => ssm.send(new ListCommandsCommand({})),
    ListCommandInvocations: () => ssm.send(new ListCommandInvocationsCommand({})),
  },
  cloudwatch: {
    GetMetricData: () =>
      cloudWatch.send(new GetMetricDataCommand({ MetricDataQueries: [{ Id: 'm', Expression: 'SUM(METRICS())' }], StartTime: new Date(0), EndTime: new Date() })),
  },
  backup: {
    StartBackupJob: () =>
      backup.send(new StartBackupJobCommand({ BackupVaultName: 'v', ResourceArn: 'arn:aws:ec2:us-east-1:000000000000:volume/vol-00000000', IamRoleArn: 'arn:aws:iam::000000000000:role/r' })),
    DescribeBackupJob: () => backup.send(new DescribeBackupJobCommand({ BackupJobId: 'job' })),
    DescribeRecoveryPoint: () => backup.send(new DescribeRecoveryPointCommand({ BackupVaultName: 'v', RecoveryPointArn: 'arn:aws:ec2:us-east-1::snapshot/snap-00000000' })),
    ListRecoveryPointsByResource: () => backup.send(new ListRecoveryPointsByResourceCommand({ ResourceArn: 'arn:aws:ec2:us-east-1:000000000000:volume/vol-00000000' })),
    StartRestoreJob: () => backup.send(new StartRestoreJobCommand({ RecoveryPointArn: 'arn:aws:ec2:us-east-1::snapshot/snap-00000000', IamRoleArn: 'arn:aws:iam::000000000000:role/r', Metadata: {} })),
    DescribeRestoreJob: () => backup.send(new DescribeRestoreJobCommand({ RestoreJobId: 'job' })),
  },
  'sms-voice': {
    SendTextMessage: () => smsVoice.send(new SendTextMessageCommand({ DestinationPhoneNumber: '+14255550182', OriginationIdentity: '+18005551000', MessageBody: 'hi' })),
    RequestPhoneNumber: () => smsVoice.send(new RequestPhoneNumberCommand({ IsoCountryCode: 'US', MessageType: 'TRANSACTIONAL', NumberCapabilities: ['SMS'], NumberType: 'TOLL_FREE' })),
    UpdatePhoneNumber: () => smsVoice.send(new UpdatePhoneNumberCommand({ PhoneNumberId: 'phone-0' })),
    ReleasePhoneNumber: () => smsVoice.send(new ReleasePhoneNumberCommand({ PhoneNumberId: 'phone-0' })),
  },
  'social-messaging': {
    SendWhatsAppMessage: () => socialMessaging.send(new SendWhatsAppMessageCommand({ originationPhoneNumberId: 'phone-number-id-1', metaApiVersion: 'v20.0', message: new TextEncoder().encode('{}') })),
  },
};

const OUTCOMES: Record<string, string[]> = { ec2: ['InstanceOutcome'], ssm: ['AppHealthCheck', 'CommandOutcome'], backup: ['RestoreOutcome'] };

const apiActions = Object.entries(CALLS).flatMap(([service, calls]) => Object.keys(calls).map((action) => [service, action] as const));

describe('fault actions derived from the registry', () => {
  it('targets exactly the actions each service serves, plus its outcomes', () => {
    const expected = Object.fromEntries(Object.entries(CALLS).map(([service, calls]) => [service, [...Object.keys(calls), ...(OUTCOMES[service] ?? [])].sort()]));

    const targets = Object.fromEntries(Object.entries(sandbox.faults.targets()).map(([service, actions]) => [service, [...actions].sort()]));

    expect(targets).toEqual(expected);
  });

  it.each(apiActions)('%s %s accepts a fault through POST /_sandbox/faults, and the next call fails with it', async (service, action) => {
    const injected = await injectFault({ service, action, error: 'InjectedByTest', times: 1 });

    const failed = CALLS[service][action]();

    expect(injected.statusCode).toBe(201);
    await expect(failed).rejects.toMatchObject({ name: 'InjectedByTest', $metadata: { httpStatusCode: 400 } });
    expect(sandbox.faults.list()).toEqual([]);
  });

  it('refuses an action no service serves, naming the ones it does', async () => {
    const refused = await injectFault({ service: 'ec2', action: 'RebootInstances', error: 'InternalError' });

    expect(refused.statusCode).toBe(400);
    expect(JSON.parse(refused.body).error).toMatch(/action must be one of .*CreateSnapshot, DeleteSnapshot, DescribeSnapshots, .*InstanceOutcome.* for ec2/);
  });
});

describe('EC2 snapshot faults', () => {
  async function runningVolume(): Promise<string> {
    const launched = await ec2.send(
      new RunInstancesCommand({
        LaunchTemplate: { LaunchTemplateId: 'lt-0test' },
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Customer', Value: 'snapshot-fault' }] }],
      }),
    );
    advance(10);
    const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [launched.Instances![0].InstanceId!] }));
    return described.Reservations![0].Instances![0].BlockDeviceMappings![0].Ebs!.VolumeId!;
  }

  it('fails CreateSnapshot `times` times with the injected code and status, then snapshots the volume', async () => {
    const volumeId = await runningVolume();
    await injectFault({ service: 'ec2', action: 'CreateSnapshot', error: 'InternalError', times: 2 });

    const first = ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId }));
    await expect(first).rejects.toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });
    const second = ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId }));
    await expect(second).rejects.toMatchObject({ name: 'InternalError' });
    const third = await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId }));

    expect(third).toMatchObject({ VolumeId: volumeId, State: 'pending' });
    expect((await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [third.SnapshotId!] }))).Snapshots).toHaveLength(1);
  });

  it('fails DescribeSnapshots with a throttling code EC2 answers 503', async () => {
    await injectFault({ service: 'ec2', action: 'DescribeSnapshots', error: 'RequestLimitExceeded' });

    await expect(ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))).rejects.toMatchObject({
      name: 'RequestLimitExceeded',
      $metadata: { httpStatusCode: 503 },
    });
  });
});

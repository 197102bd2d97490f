import { rmSync } from 'node:fs';
import { DescribeInstanceStatusCommand, DescribeVolumesCommand, EC2Client, RunInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { GetHostedZoneCommand, ListHostedZonesByNameCommand, ListHostedZonesCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CreateEmailIdentityCommand, GetAccountCommand, ListEmailIdentitiesCommand, SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { ListCommandInvocationsCommand, ListCommandsCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { sdkConfig, testSandbox } from './in-process';

/**
 * The reads support staff make with the AWS CLI, through the real SDK serializers against the in-process
 * sandbox: filters, pages, and the errors AWS gives for malformed or unknown input.
 */
const { sandbox, advance, dataDir } = testSandbox();
const ec2 = new EC2Client(sdkConfig(sandbox.services.ec2));
const route53 = new Route53Client(sdkConfig(sandbox.services.route53));
const ses = new SESv2Client(sdkConfig(sandbox.services.ses));
const ssm = new SSMClient(sdkConfig(sandbox.services.ssm));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
beforeEach(() => sandbox.routes['POST /_sandbox/reset']({ method: 'POST', path: '/_sandbox/reset', query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0), region: 'us-east-1' }));

async function launch(customer: string): Promise<string> {
  const tags = [{ Key: 'Customer', Value: customer }];
  const launched = await ec2.send(
    new RunInstancesCommand({
      LaunchTemplate: { LaunchTemplateId: 'lt-0test' },
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: tags },
      ],
    }),
  );
  return launched.Instances?.[0]?.InstanceId as string;
}

describe('EC2 DescribeVolumes and DescribeInstanceStatus', () => {
  it('finds a customer volume by its instance or its tag, never another customer’s, in pages', async () => {
    const a = await launch('cus-a');
    const others = await Promise.all(['cus-b', 'cus-c', 'cus-d', 'cus-e', 'cus-f'].map(launch));

    const byInstance = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [a] }] }));
    const byTag = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'tag:Customer', Values: ['cus-b'] }] }));
    const first = await ec2.send(new DescribeVolumesCommand({ MaxResults: 5 }));
    const second = await ec2.send(new DescribeVolumesCommand({ MaxResults: 5, NextToken: first.NextToken }));

    expect(byInstance.Volumes?.map((volume) => volume.Attachments?.[0]?.InstanceId)).toEqual([a]);
    expect(byInstance.Volumes?.[0]).toMatchObject({ State: 'in-use', VolumeType: 'gp3', Encrypted: true, Tags: [{ Key: 'Customer', Value: 'cus-a' }] });
    expect(byTag.Volumes?.map((volume) => volume.Attachments?.[0]?.InstanceId)).toEqual([others[0]]);
    expect(first.Volumes).toHaveLength(5);
    expect(second.Volumes).toHaveLength(1);
    expect(second.NextToken).toBeUndefined();
  });

  it.each([
    ['a malformed volume id', { VolumeIds: ['volume-1'] }, 'InvalidVolumeID.Malformed'],
    ['an unknown volume id', { VolumeIds: ['vol-0123456789abcdef0'] }, 'InvalidVolume.NotFound'],
    ['ids with MaxResults', { VolumeIds: ['vol-0123456789abcdef0'], MaxResults: 5 }, 'InvalidParameterCombination'],
    ['MaxResults below 5', { MaxResults: 2 }, 'InvalidParameterValue'],
    ['an unknown filter', { Filters: [{ Name: 'colour', Values: ['red'] }] }, 'InvalidParameterValue'],
  ])('refuses %s', async (_case, input, code) => {
    await expect(ec2.send(new DescribeVolumesCommand(input))).rejects.toMatchObject({ name: code });
  });

  it('reports status checks initializing, then ok, and a stopped instance only with IncludeAllInstances', async () => {
    const id = await launch('cus-status');
    advance(10); // booted: running
    const booting = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }));
    advance(25); // reachable
    const reachable = await ec2.send(new DescribeInstanceStatusCommand({ Filters: [{ Name: 'instance-status.status', Values: ['ok'] }] }));
    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    advance(15);
    const runningOnly = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }));
    const all = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id], IncludeAllInstances: true }));

    expect(booting.InstanceStatuses?.[0]).toMatchObject({ InstanceState: { Name: 'running' }, InstanceStatus: { Status: 'initializing' }, SystemStatus: { Status: 'initializing' } });
    expect(reachable.InstanceStatuses).toEqual([
      expect.objectContaining({ InstanceId: id, InstanceStatus: { Status: 'ok', Details: [{ Name: 'reachability', Status: 'passed' }] } }),
    ]);
    expect(runningOnly.InstanceStatuses).toEqual([]);
    expect(all.InstanceStatuses?.[0]).toMatchObject({ InstanceState: { Name: 'stopped' }, InstanceStatus: { Status: 'not-applicable' } });
  });
});

describe('SSM ListCommands and ListCommandInvocations', () => {
  it('lists an instance’s commands newest first, by status and in pages, with each invocation', async () => {
    const a = await launch('cus-a');
    const b = await launch('cus-b');
    advance(40); // agents online
    const send = (instanceId: string) => ssm.send(new SendCommandCommand({ DocumentName: 'StackPro-DeployApplications', InstanceIds: [instanceId] }));
    const older = await send(a);
    advance(1);
    const newer = await send(a);
    await send(b);

    const listed = await ssm.send(new ListCommandsCommand({ InstanceId: a }));
    const page = await ssm.send(new ListCommandsCommand({ InstanceId: a, MaxResults: 1 }));
    const next = await ssm.send(new ListCommandsCommand({ InstanceId: a, MaxResults: 1, NextToken: page.NextToken }));
    const pending = await ssm.send(new ListCommandsCommand({ InstanceId: a, Filters: [{ key: 'ExecutionStage', value: 'Executing' }] }));
    advance(100);
    const succeeded = await ssm.send(new ListCommandsCommand({ Filters: [{ key: 'Status', value: 'Success' }] }));
    const invocations = await ssm.send(new ListCommandInvocationsCommand({ InstanceId: a, Details: true }));

    expect(listed.Commands?.map((command) => command.CommandId)).toEqual([newer.Command?.CommandId, older.Command?.CommandId]);
    expect(page.Commands?.map((command) => command.CommandId)).toEqual([newer.Command?.CommandId]);
    expect(next.Commands?.map((command) => command.CommandId)).toEqual([older.Command?.CommandId]);
    expect(pending.Commands).toHaveLength(2);
    expect(succeeded.Commands).toHaveLength(3);
    expect(succeeded.Commands?.[0]).toMatchObject({ Status: 'Success', CompletedCount: 1, ErrorCount: 0 });
    expect(invocations.CommandInvocations?.map((invocation) => invocation.InstanceId)).toEqual([a, a]);
    expect(invocations.CommandInvocations?.[0]?.CommandPlugins?.[0]).toMatchObject({ Status: 'Success', ResponseCode: 0, ResponseFinishDateTime: expect.any(Date) });
  });

  it.each([
    ['a malformed instance id', { InstanceId: 'server-1' }, 'InvalidInstanceId'],
    ['an unknown command id', { CommandId: '00000000-0000-0000-0000-000000000000' }, 'InvalidCommandId'],
    ['an unknown filter key', { Filters: [{ key: 'Colour' as never, value: 'red' }] }, 'InvalidFilterKey'],
    ['a status that does not exist', { Filters: [{ key: 'Status' as const, value: 'Sleeping' }] }, 'InvalidFilterValue'],
    ['a forged NextToken', { NextToken: 'not-a-token' }, 'InvalidNextToken'],
  ])('refuses %s', async (_case, input, code) => {
    await expect(ssm.send(new ListCommandsCommand(input))).rejects.toMatchObject({ name: code });
  });
});

describe('Route 53 hosted zones', () => {
  it('lists the zone, by name from a name at or before it, and reads it', async () => {
    const all = await route53.send(new ListHostedZonesCommand({}));
    const from = await route53.send(new ListHostedZonesByNameCommand({ DNSName: 'stackpro.test' }));
    const after = await route53.send(new ListHostedZonesByNameCommand({ DNSName: 'zzz.test' }));
    const zone = await route53.send(new GetHostedZoneCommand({ Id: '/hostedzone/Z0TEST' }));

    expect(all.HostedZones).toEqual([expect.objectContaining({ Id: '/hostedzone/Z0TEST', Name: 'customers.stackpro.test.' })]);
    // com.stackpro.customers. sorts after test.stackpro.: reversed labels, as Route 53 orders zones.
    expect(from.HostedZones?.map((hosted) => hosted.Name)).toEqual(['customers.stackpro.test.']);
    expect(after.HostedZones).toEqual([]);
    expect(zone.DelegationSet?.NameServers).toHaveLength(4);
  });

  it('refuses a hosted zone id without a DNS name, and a zero page size', async () => {
    await expect(route53.send(new ListHostedZonesByNameCommand({ HostedZoneId: 'Z0TEST' }))).rejects.toMatchObject({ name: 'InvalidInput' });
    await expect(route53.send(new ListHostedZonesCommand({ MaxItems: 0 }))).rejects.toMatchObject({ name: 'InvalidInput' });
  });
});

describe('SESv2 ListEmailIdentities and GetAccount', () => {
  it('pages the identities and counts what was sent in the last 24 hours', async () => {
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'a.customers.stackpro.test' }));
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'welcome@stackpro.test',
        Destination: { ToAddresses: ['one@example.com', 'two@example.com'] },
        Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Hi' } } } },
      }),
    );

    const first = await ses.send(new ListEmailIdentitiesCommand({ PageSize: 1 }));
    const second = await ses.send(new ListEmailIdentitiesCommand({ PageSize: 1, NextToken: first.NextToken }));
    const account = await ses.send(new GetAccountCommand({}));

    expect([...(first.EmailIdentities ?? []), ...(second.EmailIdentities ?? [])]).toEqual([
      { IdentityType: 'DOMAIN', IdentityName: 'a.customers.stackpro.test', SendingEnabled: false, VerificationStatus: 'PENDING' },
      { IdentityType: 'DOMAIN', IdentityName: 'stackpro.test', SendingEnabled: true, VerificationStatus: 'SUCCESS' },
    ]);
    expect(second.NextToken).toBeUndefined();
    expect(account.SendQuota).toMatchObject({ SentLast24Hours: 2 });
    await expect(ses.send(new ListEmailIdentitiesCommand({ PageSize: 0 }))).rejects.toMatchObject({ name: 'BadRequestException' });
  });
});

describe('GET /_sandbox/outbox?to=', () => {
  const outbox = async (query: string) => {
    const response = await sandbox.routes['GET /_sandbox/outbox']({ method: 'GET', path: '/_sandbox/outbox', query: new URLSearchParams(query), headers: {}, body: Buffer.alloc(0), region: 'us-east-1' });
    return { status: response.statusCode, body: JSON.parse(String(response.body)) as { emails?: { to: string[] }[]; error?: string } };
  };
  const sendTo = (to: string[]) =>
    ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'welcome@stackpro.test',
        Destination: { ToAddresses: to },
        Content: { Simple: { Subject: { Data: 'Verify' }, Body: { Text: { Data: 'link' } } } },
      }),
    );

  it("gives one recipient's mail only (any letter case), all of it without the filter, and 400 for an empty one", async () => {
    await sendTo(['Ada@Example.com']);
    await sendTo(['bob@example.com', 'ada@example.com']);
    await sendTo(['carol@example.com']);

    expect((await outbox('to=ada%40example.com')).body.emails?.map((email) => email.to)).toEqual([['Ada@Example.com'], ['bob@example.com', 'ada@example.com']]);
    expect((await outbox('to=nobody%40example.com')).body.emails).toEqual([]);
    expect((await outbox('')).body.emails).toHaveLength(3);
    expect(await outbox('to=')).toEqual({ status: 400, body: { error: 'to must be an email address' } });
  });
});

import { rmSync } from 'node:fs';
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand, StartInstancesCommand, StopInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  InvalidChangeBatch,
  ListResourceRecordSetsCommand,
  NoSuchHostedZone,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { AlreadyExistsException, CreateEmailIdentityCommand, GetEmailIdentityCommand, NotFoundException, SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DescribeInstanceInformationCommand, GetCommandInvocationCommand, InvalidInstanceId, InvocationDoesNotExist, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { testSandbox, sdkConfig } from './in-process';
import { DEFAULT_PUBLIC_IPS, MAX_PUBLIC_IPS, publicIpPool } from '../../../../local/sandbox/ec2';

// Model seconds are milliseconds on this clock (scale 0.001); the test moves time by hand.
const { sandbox, advance, dataDir } = testSandbox();
const ec2 = new EC2Client(sdkConfig(sandbox.services.ec2));
const route53 = new Route53Client(sdkConfig(sandbox.services.route53));
const ses = new SESv2Client(sdkConfig(sandbox.services.ses));
const ssm = new SSMClient(sdkConfig(sandbox.services.ssm));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const launch = (token: string, overrides: Partial<ConstructorParameters<typeof RunInstancesCommand>[0]> = {}) =>
  ec2.send(
    new RunInstancesCommand({
      LaunchTemplate: { LaunchTemplateId: 'lt-0test', Version: '$Default' },
      InstanceType: 't3.small',
      SubnetId: 'subnet-b',
      MinCount: 1,
      MaxCount: 1,
      ClientToken: token,
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Customer', Value: token }] }],
      ...overrides,
    }),
  );

const upsert = (name: string, type: 'A' | 'CNAME' | 'TXT', value: string, action: 'UPSERT' | 'CREATE' | 'DELETE' = 'UPSERT', ttl = 60) =>
  route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: '/hostedzone/Z0TEST',
      ChangeBatch: { Changes: [{ Action: action, ResourceRecordSet: { Name: name, Type: type, TTL: ttl, ResourceRecords: [{ Value: value }] } }] },
    }),
  );

describe('EC2 through EC2Client (ec2Query)', () => {
  it('launches pending, runs with a TEST-NET public IP after the boot time, with its tags', async () => {
    const launched = await launch('tok-1');
    const instanceId = launched.Instances?.[0]?.InstanceId as string;

    const pending = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    advance(10);
    const running = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));

    expect(launched.Instances?.[0]).toMatchObject({ State: { Name: 'pending', Code: 0 }, InstanceType: 't3.small', SubnetId: 'subnet-b' });
    expect(pending.Reservations?.[0]?.Instances?.[0]?.PublicIpAddress).toBeUndefined();
    const instance = running.Reservations?.[0]?.Instances?.[0];
    expect(instance).toMatchObject({ InstanceId: instanceId, State: { Name: 'running', Code: 16 }, Tags: [{ Key: 'Customer', Value: 'tok-1' }] });
    expect(instance?.PublicIpAddress).toMatch(/^(203\.0\.113|198\.51\.100)\.\d+$/);
    expect(instance?.LaunchTime).toBeInstanceOf(Date);
  });

  it('returns the same instance for the same ClientToken and refuses a different request with it', async () => {
    const first = await launch('tok-2');
    const again = await launch('tok-2');

    expect(again.Instances?.[0]?.InstanceId).toBe(first.Instances?.[0]?.InstanceId);
    await expect(launch('tok-2', { InstanceType: 't3.medium' })).rejects.toMatchObject({ name: 'IdempotentParameterMismatch', $metadata: { httpStatusCode: 400 } });
  });

  it('filters by tag and state, and names unknown ids in InvalidInstanceID.NotFound', async () => {
    await launch('tok-3');

    const found = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Customer', Values: ['tok-3'] }, { Name: 'instance-state-name', Values: ['pending', 'running'] }] }),
    );

    expect(found.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.Tags?.[0]?.Value)).toEqual(['tok-3']);
    await expect(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] }))).rejects.toMatchObject({
      name: 'InvalidInstanceID.NotFound',
      message: "The instance ID 'i-0123456789abcdef0' does not exist",
    });
  });

  it('stops (losing the public IP), starts with a new IP, and terminates through shutting-down', async () => {
    const instanceId = (await launch('tok-4')).Instances?.[0]?.InstanceId as string;
    advance(10);
    const describe = async () => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]?.Instances?.[0];
    const firstIp = (await describe())?.PublicIpAddress;

    const stopping = await ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
    advance(15);
    const stopped = await describe();
    await ec2.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
    advance(10);
    const restarted = await describe();
    const terminating = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    advance(10);

    expect(stopping.StoppingInstances?.[0]).toMatchObject({ CurrentState: { Name: 'stopping' }, PreviousState: { Name: 'running' } });
    expect(stopped).toMatchObject({ State: { Name: 'stopped' }, StateReason: { Code: 'Client.UserInitiatedShutdown' } });
    expect(stopped?.PublicIpAddress).toBeUndefined();
    expect(restarted?.State?.Name).toBe('running');
    expect(restarted?.PublicIpAddress).toMatch(/^(203\.0\.113|198\.51\.100)\.\d+$/);
    expect(restarted?.PublicIpAddress).not.toBe(firstIp);
    expect(terminating.TerminatingInstances?.[0]?.CurrentState?.Name).toBe('shutting-down');
    expect((await describe())?.State?.Name).toBe('terminated');
  });

  it('fails an injected fault with the code and the status EC2 uses (capacity is a 5xx)', async () => {
    sandbox.faults.add({ service: 'ec2', action: 'RunInstances', error: 'InsufficientInstanceCapacity' });

    await expect(launch('tok-5')).rejects.toMatchObject({ name: 'InsufficientInstanceCapacity', $metadata: { httpStatusCode: 500 } });
  });
});

describe('EC2 capacity: the account vCPU quota and the public address pool', () => {
  it('raises the pool past the documentation ranges into 198.18.0.0/15, distinct addresses, the default 508 unchanged', () => {
    const pool = publicIpPool(MAX_PUBLIC_IPS);
    const nonRoutable = /^(203\.0\.113|198\.51\.100|192\.0\.2|198\.1[89]\.\d{1,3})\.(\d{1,3})$/;

    expect(new Set(pool).size).toBe(MAX_PUBLIC_IPS);
    expect(pool.every((ip) => nonRoutable.test(ip) && !/\.(0|255)$/.test(ip))).toBe(true);
    expect(publicIpPool(DEFAULT_PUBLIC_IPS)).toEqual([...pool.slice(0, 254).filter((ip) => ip.startsWith('203.0.113.')), ...pool.slice(254, 508).filter((ip) => ip.startsWith('198.51.100.'))]);
    expect(pool[762]).toBe('198.18.0.1');
  });

  const small = testSandbox({ vcpuQuota: 4, publicIpPool: 1 });
  const client = new EC2Client(sdkConfig(small.sandbox.services.ec2));
  const run = (token: string) =>
    client.send(new RunInstancesCommand({ LaunchTemplate: { LaunchTemplateId: 'lt-0test' }, InstanceType: 't3.small', SubnetId: 'subnet-a', MinCount: 1, MaxCount: 1, ClientToken: token }));
  afterAll(() => rmSync(small.dataDir, { recursive: true, force: true }));

  it('answers InsufficientAddressCapacity (5xx) once the pool is used, and VcpuLimitExceeded (400) past the quota, until instances end', async () => {
    const first = (await run('cap-1')).Instances?.[0]?.InstanceId as string;
    await expect(run('cap-2')).rejects.toMatchObject({ name: 'InsufficientAddressCapacity', $metadata: { httpStatusCode: 500 } });

    const roomy = testSandbox({ vcpuQuota: 2 });
    const other = new EC2Client(sdkConfig(roomy.sandbox.services.ec2));
    const runOther = (token: string) =>
      other.send(new RunInstancesCommand({ LaunchTemplate: { LaunchTemplateId: 'lt-0test' }, InstanceType: 't3.micro', SubnetId: 'subnet-a', MinCount: 1, MaxCount: 1, ClientToken: token }));
    const kept = (await runOther('q-1')).Instances?.[0]?.InstanceId as string;
    await expect(runOther('q-2')).rejects.toMatchObject({ name: 'VcpuLimitExceeded', $metadata: { httpStatusCode: 400 } });
    await other.send(new TerminateInstancesCommand({ InstanceIds: [kept] }));
    roomy.advance(60_000);
    await expect(runOther('q-3')).resolves.toMatchObject({ Instances: [expect.objectContaining({ InstanceType: 't3.micro' })] });
    rmSync(roomy.dataDir, { recursive: true, force: true });

    await client.send(new TerminateInstancesCommand({ InstanceIds: [first] }));
    small.advance(60_000);
    await expect(run('cap-3')).resolves.toMatchObject({ Instances: [expect.objectContaining({ InstanceType: 't3.small' })] });
  });
});

describe('Route 53 through Route53Client (restXml)', () => {
  it('answers a change PENDING, then INSYNC after the propagation time', async () => {
    const changed = await upsert('www.customers.stackpro.test', 'A', '203.0.113.9');
    const id = changed.ChangeInfo?.Id as string;

    const pending = await route53.send(new GetChangeCommand({ Id: id }));
    advance(45);
    const insync = await route53.send(new GetChangeCommand({ Id: id }));

    expect(id).toMatch(/^\/change\/C[A-Z0-9]+$/);
    expect(changed.ChangeInfo?.SubmittedAt).toBeInstanceOf(Date);
    expect(pending.ChangeInfo?.Status).toBe('PENDING');
    expect(insync.ChangeInfo?.Status).toBe('INSYNC');
  });

  it('refuses deleting a missing record, or one with other values, and creating an existing one', async () => {
    await upsert('del.customers.stackpro.test', 'TXT', '"a"');

    await expect(upsert('nope.customers.stackpro.test', 'A', '203.0.113.1', 'DELETE')).rejects.toThrow(
      "[Tried to delete resource record set [name='nope.customers.stackpro.test.', type='A'] but it was not found]",
    );
    await expect(upsert('del.customers.stackpro.test', 'TXT', '"b"', 'DELETE')).rejects.toBeInstanceOf(InvalidChangeBatch);
    await expect(upsert('del.customers.stackpro.test', 'TXT', '"a"', 'CREATE')).rejects.toThrow(/but it already exists/);
    await expect(upsert('elsewhere.example.com', 'A', '203.0.113.1')).rejects.toThrow(/is not permitted in zone/);
  });

  it('answers an unknown zone with NoSuchHostedZone', async () => {
    await expect(route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'ZNOPE' }))).rejects.toBeInstanceOf(NoSuchHostedZone);
  });

  it('lists from a start name in Route 53 order, in pages', async () => {
    for (const name of ['b.list.customers.stackpro.test', 'list.customers.stackpro.test', 'a.list.customers.stackpro.test', 'list-x.customers.stackpro.test']) {
      await upsert(name, 'TXT', '"x"');
    }

    const names: string[] = [];
    let start: { name?: string; type?: string } = { name: 'list.customers.stackpro.test' };
    let pages = 0;
    for (;;) {
      const page = await route53.send(
        new ListResourceRecordSetsCommand({ HostedZoneId: 'Z0TEST', StartRecordName: start.name, StartRecordType: start.type as never, MaxItems: 2 }),
      );
      pages += 1;
      names.push(...(page.ResourceRecordSets ?? []).map((record) => record.Name as string));
      if (!page.IsTruncated || pages === 2) break;
      start = { name: page.NextRecordName, type: page.NextRecordType };
    }

    expect(names.slice(0, 3)).toEqual(['list.customers.stackpro.test.', 'a.list.customers.stackpro.test.', 'b.list.customers.stackpro.test.']);
  });
});

describe('SESv2 through SESv2Client (restJson)', () => {
  it('creates a domain identity with three DKIM tokens, verified only once its CNAMEs exist and time has passed', async () => {
    const created = await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'shop.customers.stackpro.test' }));
    const tokens = created.DkimAttributes?.Tokens ?? [];
    advance(120);
    const early = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'shop.customers.stackpro.test' }));
    for (const token of tokens) await upsert(`${token}._domainkey.shop.customers.stackpro.test`, 'CNAME', `${token}.dkim.amazonses.com`);
    const verified = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'shop.customers.stackpro.test' }));

    expect(created).toMatchObject({ IdentityType: 'DOMAIN', VerifiedForSendingStatus: false, DkimAttributes: { SigningEnabled: true, Status: 'PENDING' } });
    expect(tokens).toHaveLength(3);
    expect(early.VerifiedForSendingStatus).toBe(false);
    expect(verified).toMatchObject({ VerifiedForSendingStatus: true, DkimAttributes: { Status: 'SUCCESS', Tokens: tokens } });
  });

  it('throws AlreadyExistsException and NotFoundException as the SDK classes', async () => {
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'twice.customers.stackpro.test' }));

    await expect(ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'twice.customers.stackpro.test' }))).rejects.toBeInstanceOf(AlreadyExistsException);
    await expect(ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'never.customers.stackpro.test' }))).rejects.toBeInstanceOf(NotFoundException);
  });

  it('sends from the verified sender domain and refuses an unverified one', async () => {
    const send = (from: string) =>
      ses.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: ['ada@example.com'] },
          Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'text' }, Html: { Data: '<p>html</p>' } } } },
        }),
      );

    const sent = await send('welcome@stackpro.test');

    expect(sent.MessageId).toMatch(/^0100[0-9a-f]{12}-[0-9a-f-]{36}-000000$/);
    await expect(send('someone@unverified.test')).rejects.toMatchObject({ name: 'MessageRejected' });
  });
});

describe('SSM through SSMClient (awsJson1_1)', () => {
  it('reports the agent Online after it registers, runs a command Pending -> InProgress -> Success', async () => {
    const instanceId = (await launch('tok-ssm')).Instances?.[0]?.InstanceId as string;
    const ping = async () =>
      (await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }))).InstanceInformationList?.[0]?.PingStatus;
    const send = () => ssm.send(new SendCommandCommand({ DocumentName: 'StackPro-DeployApplications', InstanceIds: [instanceId], Parameters: { Plan: ['business'] } }));

    advance(10);
    const beforeAgent = await ping();
    await expect(send()).rejects.toBeInstanceOf(InvalidInstanceId);
    advance(25);
    const online = await ping();
    const command = await send();
    const invocation = () => ssm.send(new GetCommandInvocationCommand({ CommandId: command.Command?.CommandId, InstanceId: instanceId }));
    const notYet = invocation();
    await expect(notYet).rejects.toBeInstanceOf(InvocationDoesNotExist);
    advance(1);
    const pending = await invocation();
    advance(2);
    const inProgress = await invocation();
    advance(60);
    const done = await invocation();

    expect(beforeAgent).toBeUndefined();
    expect(online).toBe('Online');
    expect(command.Command).toMatchObject({ Status: 'Pending', InstanceIds: [instanceId], Parameters: { Plan: ['business'] } });
    expect(command.Command?.RequestedDateTime).toBeInstanceOf(Date);
    expect([pending.Status, inProgress.Status, done.Status]).toEqual(['Pending', 'InProgress', 'Success']);
    expect(done.ResponseCode).toBe(0);
  });

  it('ends the next command Failed when a CommandOutcome fault is set', async () => {
    const instanceId = (await launch('tok-ssm-fail')).Instances?.[0]?.InstanceId as string;
    advance(35);
    sandbox.faults.add({ service: 'ssm', action: 'CommandOutcome', error: 'Failed' });

    const command = await ssm.send(new SendCommandCommand({ DocumentName: 'StackPro-DeployApplications', InstanceIds: [instanceId] }));
    advance(100);
    const done = await ssm.send(new GetCommandInvocationCommand({ CommandId: command.Command?.CommandId, InstanceId: instanceId }));

    expect(done).toMatchObject({ Status: 'Failed', ResponseCode: 1 });
  });

  it('runs a short AWS-RunShellScript (the resize\'s file-system growth, apps check) in shellCommandDuration, not the deployment\'s minute', async () => {
    const instanceId = (await launch('tok-shell')).Instances?.[0]?.InstanceId as string;
    advance(35);
    const command = await ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [instanceId], Parameters: { commands: ['true'] } }));
    const invocation = () => ssm.send(new GetCommandInvocationCommand({ CommandId: command.Command?.CommandId, InstanceId: instanceId }));
    advance(2 + 4);
    const running = await invocation();
    advance(1);
    const done = await invocation();

    expect([running.Status, done.Status]).toEqual(['InProgress', 'Success']);
  });
});

describe('the fault queue', () => {
  it.each([
    [undefined, /JSON object/],
    [{ service: 'lambda', action: 'Invoke', error: 'X' }, /service must be one of/],
    [{ service: 'ec2', action: 'RebootInstances', error: 'X' }, /action must be one of/],
    [{ service: 'ec2', action: 'RunInstances', error: 'not a code!' }, /error must be an AWS error code/],
    [{ service: 'ec2', action: 'RunInstances', error: 'X', times: 0 }, /times must be an integer/],
    [{ service: 'ssm', action: 'CommandOutcome', error: 'Exploded' }, /error must be one of Failed/],
    [{ service: 'ec2', action: 'RunInstances', error: 'X', extra: 1 }, /Unknown fields: extra/],
  ])('refuses %j', (input, message) => {
    expect(() => sandbox.faults.add(input)).toThrow(message);
  });

  it('fires a fault `times` times, then forgets it', () => {
    sandbox.faults.add({ service: 'route53', action: 'GetChange', error: 'Throttling', times: 2 });

    expect([sandbox.faults.take('route53', 'GetChange'), sandbox.faults.take('route53', 'GetChange'), sandbox.faults.take('route53', 'GetChange')].map(Boolean)).toEqual([
      true,
      true,
      false,
    ]);
  });
});

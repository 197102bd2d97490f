import { DescribeInstancesCommand, EC2Client, RunInstancesCommand, type RunInstancesCommandInput, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { ChangeResourceRecordSetsCommand, InvalidChangeBatch, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import {
  CreateEmailIdentityCommand,
  DeleteEmailIdentityCommand,
  GetEmailIdentityCommand,
  NotFoundException,
  SendEmailCommand,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { DescribeInstanceInformationCommand, GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { eventually } from './api-client';
import { type LocalStackProcess, startLocalStackProcess } from './local-stack-process';

/**
 * The sandbox on the edge port, driven through the real SDK clients exactly as the handlers use them.
 * It runs its own stack (fast profile): faults and resets must not reach other suites' provisioning.
 */
const ZONE = 'Z0STACKPROLOCAL';
const DOMAIN = 'customers.stackpro.localhost';
const TEST_NET_IP = /^(203\.0\.113|198\.51\.100)\.\d{1,3}$/;

let stack: LocalStackProcess;
let ec2: EC2Client;
let route53: Route53Client;
let ses: SESv2Client;
let ssm: SSMClient;

beforeAll(async () => {
  stack = await startLocalStackProcess({ env: { STACKPRO_SANDBOX_PROFILE: 'fast', STACKPRO_SANDBOX_TIME_SCALE: '' } });
  // Explicit endpoint and credentials: the test process may have any AWS settings in its env. The SDK's
  // default retries (3 attempts) stay on: absorbing throttling is part of what is tested.
  const config = { endpoint: stack.edgeUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  ec2 = new EC2Client(config);
  route53 = new Route53Client(config);
  ses = new SESv2Client(config);
  ssm = new SSMClient(config);
}, 90_000);

afterAll(async () => {
  for (const client of [ec2, route53, ses, ssm]) client?.destroy();
  await stack?.stop();
});

let sequence = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(sequence += 1)}`;

const sandbox = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${stack.edgeUrl}/_sandbox/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text.startsWith('{') ? JSON.parse(text) : undefined };
};

const launchRequest = (customer: string, overrides: Partial<RunInstancesCommandInput> = {}): RunInstancesCommandInput => ({
  LaunchTemplate: { LaunchTemplateId: 'lt-0stackprolocal', Version: '$Default' },
  InstanceType: 't3.micro',
  SubnetId: 'subnet-0local-a',
  MinCount: 1,
  MaxCount: 1,
  ClientToken: `${customer}-1-0`,
  TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Customer', Value: customer }, { Key: 'ManagedBy', Value: 'stackpro' }] }],
  ...overrides,
});

async function runningInstance(customer: string): Promise<{ instanceId: string; publicIp: string }> {
  const launched = await ec2.send(new RunInstancesCommand(launchRequest(customer)));
  const instanceId = launched.Instances?.[0]?.InstanceId as string;
  return eventually(
    async () => {
      const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      const instance = described.Reservations?.[0]?.Instances?.[0];
      return instance?.State?.Name === 'running' && instance.PublicIpAddress ? { instanceId, publicIp: instance.PublicIpAddress } : undefined;
    },
    10_000,
    `${instanceId} running`,
  );
}

const change = (action: 'UPSERT' | 'CREATE' | 'DELETE', name: string, type: 'A' | 'CNAME' | 'TXT', value: string, ttl = 300) =>
  route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: ZONE,
      ChangeBatch: { Changes: [{ Action: action, ResourceRecordSet: { Name: name, Type: type, TTL: ttl, ResourceRecords: [{ Value: value }] } }] },
    }),
  );

describe('EC2 in the sandbox', () => {
  it('returns the same instance for a repeated ClientToken, and refuses the token for another request', async () => {
    const customer = unique('idem');

    const first = await ec2.send(new RunInstancesCommand(launchRequest(customer)));
    const repeated = await ec2.send(new RunInstancesCommand(launchRequest(customer)));
    const mismatch = ec2.send(new RunInstancesCommand(launchRequest(customer, { InstanceType: 't3.medium' })));

    expect(first.Instances?.[0]?.InstanceId).toMatch(/^i-[0-9a-f]{17}$/);
    expect(repeated.Instances?.[0]?.InstanceId).toBe(first.Instances?.[0]?.InstanceId);
    await expect(mismatch).rejects.toMatchObject({ name: 'IdempotentParameterMismatch' });
  });

  it('finds a customer instance by tag filter, running with a TEST-NET public IP', async () => {
    const customer = unique('tagged');
    const { instanceId, publicIp } = await runningInstance(customer);

    const found = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Customer', Values: [customer] }, { Name: 'instance-state-name', Values: ['running'] }] }),
    );

    expect(found.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId)).toEqual([instanceId]);
    expect(publicIp).toMatch(TEST_NET_IP);
  });

  it('surfaces an injected InsufficientInstanceCapacity (a 5xx: the SDK tries 3 times) as an error of that name', async () => {
    const injected = await sandbox('POST', 'faults', { service: 'ec2', action: 'RunInstances', error: 'InsufficientInstanceCapacity', times: 3 });

    const launch = ec2.send(new RunInstancesCommand(launchRequest(unique('capacity'))));

    expect(injected.status).toBe(201);
    await expect(launch).rejects.toMatchObject({ name: 'InsufficientInstanceCapacity', $metadata: { httpStatusCode: 500, attempts: 3 } });
    expect((await sandbox('GET', 'faults')).json).toEqual({ faults: [] });
  });

  it('answers an unknown instance id with InvalidInstanceID.NotFound', async () => {
    await expect(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0000000000000dead'] }))).rejects.toMatchObject({
      name: 'InvalidInstanceID.NotFound',
    });
  });
});

describe('Route 53 in the sandbox', () => {
  it('absorbs one injected Throttling through the SDK’s own retry', async () => {
    await sandbox('POST', 'faults', { service: 'route53', action: 'ChangeResourceRecordSets', error: 'Throttling', times: 1 });

    const changed = await change('UPSERT', `${unique('throttled')}.${DOMAIN}`, 'A', '203.0.113.77');

    expect(changed.ChangeInfo?.Status).toMatch(/^(PENDING|INSYNC)$/);
    expect(changed.$metadata.attempts).toBe(2);
  });

  it('refuses deleting a record that does not exist with InvalidChangeBatch', async () => {
    const request = change('DELETE', `${unique('missing')}.${DOMAIN}`, 'A', '203.0.113.1');

    await expect(request).rejects.toBeInstanceOf(InvalidChangeBatch);
    await expect(request).rejects.toThrow(/but it was not found/);
  });

  it('lists a subdomain and everything under it in one run, in Route 53 order, names with a trailing dot', async () => {
    const sub = `${unique('order')}.${DOMAIN}`;
    for (const name of [`b._domainkey.${sub}`, sub, `a._domainkey.${sub}`]) await change('UPSERT', name, 'TXT', '"x"');

    const listed = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: ZONE, StartRecordName: sub, MaxItems: 3 }));

    expect(listed.ResourceRecordSets?.map((record) => record.Name)).toEqual([`${sub}.`, `a._domainkey.${sub}.`, `b._domainkey.${sub}.`]);
  });
});

describe('SESv2 in the sandbox', () => {
  it('creates a domain identity that SES verifies once its DKIM CNAMEs are in the zone', async () => {
    const domain = `${unique('mail')}.${DOMAIN}`;

    const created = await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: domain }));
    const tokens = created.DkimAttributes?.Tokens ?? [];
    for (const token of tokens) await change('UPSERT', `${token}._domainkey.${domain}`, 'CNAME', `${token}.dkim.amazonses.com`, 1800);
    const verified = await eventually(
      async () => {
        const identity = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: domain }));
        return identity.VerifiedForSendingStatus ? identity : undefined;
      },
      10_000,
      `${domain} verified`,
    );

    expect(created.DkimAttributes).toMatchObject({ Status: 'PENDING', SigningEnabled: true });
    expect(tokens).toHaveLength(3);
    expect(verified.DkimAttributes?.Status).toBe('SUCCESS');
  });

  it('throws NotFoundException for an identity that does not exist', async () => {
    const missing = `${unique('nobody')}.${DOMAIN}`;

    await expect(ses.send(new GetEmailIdentityCommand({ EmailIdentity: missing }))).rejects.toBeInstanceOf(NotFoundException);
    await expect(ses.send(new DeleteEmailIdentityCommand({ EmailIdentity: missing }))).rejects.toBeInstanceOf(NotFoundException);
  });

  it('keeps sent email in the outbox, as JSON and as an escaped HTML page', async () => {
    const subject = `${unique('Welcome')} <script>alert(1)</script>`;

    const sent = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'welcome@stackpro.localhost',
        Destination: { ToAddresses: ['ada@example.com'] },
        Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: 'Hello' }, Html: { Data: '<p>Hello</p>' } } } },
      }),
    );
    const outbox = await sandbox('GET', 'outbox');
    const page = await sandbox('GET', 'outbox.html');

    expect(outbox.json.emails).toContainEqual(
      expect.objectContaining({ messageId: sent.MessageId, from: 'welcome@stackpro.localhost', to: ['ada@example.com'], subject, text: 'Hello', html: '<p>Hello</p>', sentAt: expect.any(String) }),
    );
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.text).not.toContain('<script>alert(1)');
  });
});

describe('SSM in the sandbox', () => {
  it('runs a deploy command on an Online instance: Pending or InProgress, then Success', async () => {
    const { instanceId } = await runningInstance(unique('ssm'));
    await eventually(
      async () => {
        const info = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }));
        return info.InstanceInformationList?.[0]?.PingStatus === 'Online' ? true : undefined;
      },
      10_000,
      'SSM agent online',
    );

    const sent = await ssm.send(new SendCommandCommand({ DocumentName: 'StackPro-DeployApplications', InstanceIds: [instanceId], Parameters: { Plan: ['starter'] } }));
    const seen = new Set<string>();
    await eventually(
      async () => {
        const invocation = await ssm
          .send(new GetCommandInvocationCommand({ CommandId: sent.Command?.CommandId, InstanceId: instanceId }))
          .catch((error: Error) => ({ Status: error.name }));
        seen.add(invocation.Status ?? '');
        return invocation.Status === 'Success' ? true : undefined;
      },
      10_000,
      'command success',
    );

    expect(sent.Command?.Status).toBe('Pending');
    expect([...seen].every((status) => ['InvocationDoesNotExist', 'Pending', 'InProgress', 'Success'].includes(status))).toBe(true);
    expect(seen.has('InProgress') || seen.has('Pending')).toBe(true);
  });

  it('refuses a command for an instance whose agent is not online with InvalidInstanceId', async () => {
    const launched = await ec2.send(new RunInstancesCommand(launchRequest(unique('offline'))));

    const request = ssm.send(new SendCommandCommand({ DocumentName: 'StackPro-DeployApplications', InstanceIds: [launched.Instances?.[0]?.InstanceId as string] }));

    await expect(request).rejects.toMatchObject({ name: 'InvalidInstanceId' });
  });
});

describe('the sandbox control routes', () => {
  it('lists live instances, filtered by customer; terminated ones only with all=true', async () => {
    const customer = unique('inventory');
    const { instanceId, publicIp } = await runningInstance(customer);

    const live = await sandbox('GET', `inventory?customer=${customer}`);
    await fetchTerminate(instanceId);
    const afterTerminate = await sandbox('GET', `inventory?customer=${customer}`);
    const all = await sandbox('GET', `inventory?customer=${customer}&all=true`);

    expect(live.json.instances).toEqual([
      expect.objectContaining({ instanceId, state: 'running', instanceType: 't3.micro', publicIp, tags: { Customer: customer, ManagedBy: 'stackpro' } }),
    ]);
    expect(Object.keys(live.json)).toEqual(['instances', 'records', 'identities', 'commands', 'snapshots', 'volumes', 'recoveryPoints', 'phoneNumbers']);
    expect(afterTerminate.json.instances).toEqual([]);
    expect(all.json.instances.map((instance: { instanceId: string }) => instance.instanceId)).toEqual([instanceId]);
  });

  it('shows the active profile and time scale', async () => {
    const clock = await sandbox('GET', 'clock');

    expect(clock.json).toMatchObject({ profile: 'fast', scale: 0.01, modelSeconds: expect.objectContaining({ instanceBoot: 10 }) });
  });

  it('lists and clears pending faults', async () => {
    await sandbox('POST', 'faults', { service: 'sesv2', action: 'SendEmail', error: 'TooManyRequestsException', times: 2 });

    const listed = await sandbox('GET', 'faults');
    const cleared = await sandbox('DELETE', 'faults');

    expect(listed.json.faults).toEqual([{ service: 'sesv2', action: 'SendEmail', error: 'TooManyRequestsException', remaining: 2 }]);
    expect(cleared.json).toEqual({ cleared: 1 });
    expect((await sandbox('GET', 'faults')).json.faults).toEqual([]);
  });

  it.each([
    ['POST', 'faults', '{not json'],
    ['POST', 'faults', { service: 'ec2', action: 'RunInstances', error: 'X', times: -1 }],
    ['POST', 'faults', { service: 'dynamodb', action: 'PutItem', error: 'X' }],
    ['GET', 'inventory?all=maybe', undefined],
    ['GET', 'inventory?color=blue', undefined],
  ])('answers %s /_sandbox/%s with a bad input with 400 and a JSON error', async (method, path, body) => {
    const response = await sandbox(method, path, body);

    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: expect.any(String) });
  });
});

async function fetchTerminate(instanceId: string): Promise<void> {
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
  // shutting-down -> terminated takes 10 model seconds (100 ms on the fast profile).
  await eventually(
    async () => {
      const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      return described.Reservations?.[0]?.Instances?.[0]?.State?.Name === 'terminated' ? true : undefined;
    },
    5_000,
    `${instanceId} terminated`,
  );
}

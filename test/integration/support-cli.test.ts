import { DescribeInstanceStatusCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetHostedZoneCommand, ListHostedZonesByNameCommand, ListHostedZonesCommand, Route53Client } from '@aws-sdk/client-route-53';
import { DescribeSecretCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetAccountCommand, ListEmailIdentitiesCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import {
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListStateMachinesCommand,
  paginateGetExecutionHistory,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { ListCommandInvocationsCommand, ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { call, eventually, newSignup, signUpVerified } from './api-client';
import { sharedLocalStack } from './local-stack-process';

/**
 * What a support person does with the AWS CLI (or boto3) against the local edge port to find and read one
 * customer's resources, driven here through the same SDK clients, against the shared stack.
 */
const { edgeUrl } = sharedLocalStack();
const config = { endpoint: edgeUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 };
const sfn = new SFNClient(config);
const ssm = new SSMClient(config);
const route53 = new Route53Client(config);
const ses = new SESv2Client(config);
const ec2 = new EC2Client(config);
const secrets = new SecretsManagerClient(config);

let customer: { customerId: string; subdomain: string; executionArn: string; instanceId: string };

beforeAll(async () => {
  const created = (await signUpVerified(newSignup())).body as { customerId: string; accessToken: string; subdomain: string };
  // Active with every step ended: the history below is complete.
  const status = await eventually(async () => {
    const res = await call('GET', `/customers/${created.customerId}/status`, { token: created.accessToken });
    const body = res.body as { status: string; provisioning?: { currentStep: unknown; executionName: string } };
    return body.status === 'active' && body.provisioning?.currentStep === null ? body : undefined;
  }, 60_000, 'provisioning to finish');
  const machines = await sfn.send(new ListStateMachinesCommand({}));
  const provision = machines.stateMachines?.find((machine) => machine.name === 'ProvisionCustomer');
  const executionArn = `${provision?.stateMachineArn?.replace(':stateMachine:', ':execution:')}:${status.provisioning?.executionName}`;
  const volumes = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'tag:Customer', Values: [created.customerId] }] }));
  const instanceId = volumes.Volumes?.[0]?.Attachments?.[0]?.InstanceId as string;
  customer = { customerId: created.customerId, subdomain: created.subdomain, executionArn, instanceId };
}, 90_000);

afterAll(() => {
  for (const client of [sfn, ssm, route53, ses, ec2, secrets]) client.destroy();
});

describe('Step Functions, as support reads an execution', () => {
  it('lists and describes the state machines, and the one an execution ran', async () => {
    const listed = await sfn.send(new ListStateMachinesCommand({ maxResults: 1 }));
    const described = await sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn: customer.executionArn }));
    const machine = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: described.stateMachineArn }));

    expect(listed.stateMachines).toHaveLength(1);
    expect(listed.nextToken).toBeDefined();
    expect(listed.stateMachines?.[0]).toMatchObject({ type: 'STANDARD', creationDate: expect.any(Date) });
    expect(described).toMatchObject({ name: 'ProvisionCustomer', roleArn: expect.stringContaining(':role/'), updateDate: expect.any(Date) });
    expect(JSON.parse(described.definition ?? '{}').States).toHaveProperty(['Launch server and set up email']);
    expect(machine).toMatchObject({ name: 'ProvisionCustomer', status: 'ACTIVE', type: 'STANDARD', definition: described.definition });
  });

  it('pages the history forwards and backwards to the same events, with Task attempts and the Parallel states', async () => {
    const pages = async (reverseOrder: boolean) => {
      const events: HistoryEvent[] = [];
      for await (const page of paginateGetExecutionHistory({ client: sfn, pageSize: 25 }, { executionArn: customer.executionArn, reverseOrder })) {
        expect(page.events?.length).toBeLessThanOrEqual(25);
        events.push(...(page.events ?? []));
      }
      return events;
    };

    const forward = await pages(false);
    const backward = await pages(true);

    expect(forward.length).toBeGreaterThan(25);
    expect(backward.map((event) => event.id)).toEqual(forward.map((event) => event.id).reverse());
    const launch = forward.find((event) => event.type === 'TaskScheduled' && event.taskScheduledEventDetails?.parameters?.includes(':function:LaunchInstance'));
    expect(launch?.taskScheduledEventDetails).toMatchObject({ resourceType: 'lambda', resource: 'invoke', region: 'us-east-1' });
    expect(JSON.parse(launch?.taskScheduledEventDetails?.parameters ?? '{}').Payload).toMatchObject({ customerId: customer.customerId });
    const results = forward.filter((event) => event.type === 'TaskSucceeded').map((event) => JSON.parse(event.taskSucceededEventDetails?.output ?? '{}'));
    expect(results).toContainEqual(expect.objectContaining({ StatusCode: 200, Payload: expect.objectContaining({ instanceId: customer.instanceId }) }));
    // One Parallel in the provisioning workflow (statemachines/provision-customer.asl.json).
    expect(forward.filter((event) => event.type === 'ParallelStateStarted')).toHaveLength(1);
    expect(forward.filter((event) => event.type === 'ParallelStateSucceeded')).toHaveLength(1);
    // Each branch starts from its Parallel's Started event: four branches.
    const [started] = forward.filter((event) => event.type === 'ParallelStateStarted');
    expect(forward.filter((event) => event.previousEventId === started.id).map((event) => event.stateEnteredEventDetails?.name).sort()).toEqual([
      'Allocate messaging channels',
      'Create email identity',
      'Launch instance',
      'Set up billing',
    ]);
  });

  it('answers the same history to 50 readers at once', async () => {
    const read = () => sfn.send(new GetExecutionHistoryCommand({ executionArn: customer.executionArn, maxResults: 1000 }));

    const answers = await Promise.all(Array.from({ length: 50 }, read));

    expect(new Set(answers.map((answer) => JSON.stringify(answer.events))).size).toBe(1);
    expect(answers[0].events?.at(-1)?.type).toBe('ExecutionSucceeded');
  });
});

describe('the customer server and its commands', () => {
  it('finds the volume by instance and by tag, and shows the instance status checks', async () => {
    const byInstance = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [customer.instanceId] }] }));
    const status = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [customer.instanceId] }));

    expect(byInstance.Volumes).toEqual([
      expect.objectContaining({ State: 'in-use', VolumeType: 'gp3', Size: expect.any(Number), Tags: expect.arrayContaining([{ Key: 'Customer', Value: customer.customerId }]) }),
    ]);
    expect(status.InstanceStatuses).toEqual([
      expect.objectContaining({ InstanceId: customer.instanceId, InstanceState: { Code: 16, Name: 'running' }, InstanceStatus: expect.objectContaining({ Status: expect.stringMatching(/^(ok|initializing)$/) }) }),
    ]);
    await expect(ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'no-such-filter', Values: ['x'] }] }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('lists the deploy command sent to the instance, and its invocation with details', async () => {
    const commands = await ssm.send(new ListCommandsCommand({ InstanceId: customer.instanceId }));
    const commandId = commands.Commands?.[0]?.CommandId as string;
    const invocations = await ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId, Details: true }));
    const none = await ssm.send(new ListCommandsCommand({ InstanceId: customer.instanceId, Filters: [{ key: 'Status', value: 'Failed' }] }));

    expect(commands.Commands).toEqual([expect.objectContaining({ InstanceIds: [customer.instanceId], Status: 'Success', CompletedCount: 1, RequestedDateTime: expect.any(Date) })]);
    expect(invocations.CommandInvocations).toEqual([
      expect.objectContaining({ InstanceId: customer.instanceId, Status: 'Success', CommandPlugins: [expect.objectContaining({ Status: 'Success', ResponseCode: 0 })] }),
    ]);
    expect(none.Commands).toEqual([]);
    await expect(ssm.send(new ListCommandsCommand({ InstanceId: 'not-an-instance' }))).rejects.toMatchObject({ name: 'InvalidInstanceId' });
  });
});

describe('DNS, email and secrets', () => {
  it('finds the hosted zone by name and reads it with its name servers', async () => {
    const zones = await route53.send(new ListHostedZonesCommand({}));
    const zoneName = zones.HostedZones?.[0]?.Name as string;
    const byName = await route53.send(new ListHostedZonesByNameCommand({ DNSName: zoneName, MaxItems: 1 }));
    const zone = await route53.send(new GetHostedZoneCommand({ Id: byName.HostedZones?.[0]?.Id }));

    expect(customer.subdomain.endsWith(zoneName.replace(/\.$/, ''))).toBe(true);
    expect(byName).toMatchObject({ DNSName: zoneName, IsTruncated: false, HostedZones: [expect.objectContaining({ Name: zoneName, Config: { PrivateZone: false, Comment: expect.any(String) } })] });
    expect(zone.DelegationSet?.NameServers?.length).toBeGreaterThan(0);
    expect(zone.HostedZone?.ResourceRecordSetCount).toBeGreaterThan(2);
    await expect(route53.send(new GetHostedZoneCommand({ Id: 'ZNOSUCHZONE' }))).rejects.toMatchObject({ name: 'NoSuchHostedZone' });
  });

  it('lists the customer email identity and the account sending status', async () => {
    const identities = await ses.send(new ListEmailIdentitiesCommand({ PageSize: 1000 }));
    const account = await ses.send(new GetAccountCommand({}));

    expect(identities.EmailIdentities).toContainEqual({ IdentityType: 'DOMAIN', IdentityName: customer.subdomain, SendingEnabled: true, VerificationStatus: 'SUCCESS' });
    expect(account).toMatchObject({ SendingEnabled: true, EnforcementStatus: 'HEALTHY', SendQuota: { Max24HourSend: expect.any(Number), SentLast24Hours: expect.any(Number) } });
    expect(account.SendQuota?.SentLast24Hours).toBeGreaterThan(0);
  });

  it('lists and describes secrets without their values', async () => {
    const listed = await secrets.send(new ListSecretsCommand({ MaxResults: 100 }));
    const first = listed.SecretList?.[0];
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: first?.Name }));

    expect(first).toMatchObject({ ARN: expect.stringContaining(':secret:'), CreatedDate: expect.any(Date), SecretVersionsToStages: expect.any(Object) });
    expect(JSON.stringify(listed)).not.toContain('SecretString');
    expect(described).toMatchObject({ ARN: first?.ARN, Name: first?.Name });
    const filtered = await secrets.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [`!${first?.Name}`] }] }));
    expect(filtered.SecretList?.map((secret) => secret.Name)).not.toContain(first?.Name);
  });
});

describe('what the edge does not emulate', () => {
  it('answers a query-protocol service (STS) with an XML error the SDK can read', async () => {
    const sts = new STSClient(config);
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      message: expect.stringContaining('does not emulate the "sts" service (GetCallerIdentity)'),
      $metadata: { httpStatusCode: 400 },
    });
    sts.destroy();
  });

  it('answers a JSON service it does not serve (DynamoDB belongs on its own port) with a JSON error', async () => {
    const dynamo = new DynamoDBClient(config);
    await expect(dynamo.send(new DescribeTableCommand({ TableName: 'anything' }))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      message: expect.stringContaining('"dynamodb"'),
    });
    dynamo.destroy();
  });

  it('answers an unknown operation of an emulated service in that service’s protocol', async () => {
    const raw = (path: string) => fetch(`${edgeUrl}${path}`, { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=local/20261201/us-east-1/route53/aws4_request, SignedHeaders=host, Signature=0' } });

    const route53Unknown = await raw('/2013-04-01/healthcheck');

    expect(route53Unknown.status).toBe(404);
    expect(await route53Unknown.text()).toMatch(/<ErrorResponse[^>]*>.*<Code>UnknownOperationException<\/Code>/s);
  });
});

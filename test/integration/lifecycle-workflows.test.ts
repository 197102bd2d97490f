/* eslint-disable @typescript-eslint/no-explicit-any -- status and inventory bodies are asserted field by field */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { call, eventually, newSignup, signUpVerified } from './api-client';
import { sharedLocalStack } from './local-stack-process';

/**
 * The billing lifecycle workflows end to end: SuspendCustomer, ResumeCustomer and DeprovisionCustomer
 * started over the Step Functions API (as the Stripe webhook starts them), run by the local runner with
 * the real step handlers against the sandbox. One customer goes through all three, in order.
 */
// The shared stack (fast sandbox profile): everything here is filtered by this file's own customer.
const stack = sharedLocalStack();
let sfn: SFNClient;
let table: DynamoDBDocumentClient;

beforeAll(() => {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  sfn = new SFNClient({ endpoint: stack.edgeUrl, region: 'us-east-1', credentials });
  const dynamoDbUrl = process.env.STACKPRO_DYNAMODB_URL;
  if (!dynamoDbUrl) throw new Error('The shared local stack did not print its DynamoDB Local URL');
  table = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamoDbUrl, region: 'us-east-1', credentials }));
});

afterAll(() => {
  sfn?.destroy();
  table?.destroy();
});

const stateMachineArn = (id: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:${id}`;

async function edge(path: string) {
  const res = await fetch(`${stack.edgeUrl}${path}`);
  return res.json() as Promise<any>;
}

/** Starts a workflow and waits for it to end; returns DescribeExecution's answer. */
async function runWorkflow(id: string, name: string, input: object) {
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: stateMachineArn(id), name, input: JSON.stringify(input) }));
  return eventually(
    async () => {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === 'RUNNING' ? undefined : execution;
    },
    30_000,
    `${id} to finish`,
  );
}

async function status(customer: { customerId: string; accessToken: string }) {
  const res = await call('GET', `/customers/${customer.customerId}/status`, { token: customer.accessToken, base: stack.apiUrl });
  expect(res.status).toBe(200);
  return res.body;
}

/** The sandbox's holdings for one customer: instances (all but terminated), records and identity of its subdomain, snapshots. */
async function holdings(customerId: string, subdomain: string) {
  const inventory = await edge(`/_sandbox/inventory?customer=${customerId}`);
  const everything = await edge('/_sandbox/inventory');
  const under = (name: string) => {
    const bare = name.replace(/\.$/, '');
    return bare === subdomain || bare.endsWith(`.${subdomain}`);
  };
  return {
    instances: inventory.instances as { instanceId: string; state: string; publicIp: string | null }[],
    records: (everything.records as { name: string; type: string; values: string[] }[]).filter((r) => under(r.name)),
    identities: (everything.identities as { identity: string }[]).filter((i) => i.identity === subdomain),
    snapshots: inventory.snapshots as { snapshotId: string; state: string; tags: Record<string, string> }[],
  };
}

async function outboxFor(address: string) {
  const { emails } = await edge('/_sandbox/outbox');
  return (emails as { to: string[] | string; subject: string; text?: string }[]).filter((e) => [e.to].flat().includes(address));
}

/**
 * What the Stripe webhook records when a subscription is cancelled (repositories/billing.ts): the
 * profile's `billing.subscriptionStatus`. Written directly, so this test does not depend on Stripe.
 */
async function recordSubscriptionCancelled(customerId: string) {
  const Key = { pk: `CUSTOMER#${customerId}`, sk: 'PROFILE' };
  const { Item } = await table.send(new GetCommand({ TableName: 'stackpro-local', Key }));
  await table.send(
    new UpdateCommand({
      TableName: 'stackpro-local',
      Key,
      UpdateExpression: 'SET billing = :billing',
      ExpressionAttributeValues: { ':billing': { ...(Item?.billing ?? {}), subscriptionStatus: 'canceled', observedAt: Date.now() } },
    }),
  );
}

async function provisioned(plan = 'starter') {
  const signup = newSignup({ plan });
  const created = (await signUpVerified(signup, { base: stack.apiUrl, edge: stack.edgeUrl })).body;
  const customer = {
    customerId: created.customerId as string,
    accessToken: created.accessToken as string,
    subdomain: created.subdomain as string,
    email: signup.email.trim().toLowerCase(),
  };
  const live = await eventually(
    async () => {
      const body = await status(customer);
      return body.status === 'active' && body.provisioning.currentStep === null ? body : undefined;
    },
    60_000,
    'provisioning to finish',
  );
  return { ...customer, firstIp: live.publicIp as string };
}

describe('billing lifecycle workflows on the sandbox', () => {
  // One customer goes through suspend, resume, suspend again and deprovision, in this order.
  let customer: Awaited<ReturnType<typeof provisioned>>;
  let instanceId: string;

  beforeAll(async () => {
    // Business: provisioned with messaging channels, which deprovisioning releases.
    customer = await provisioned('business');
    const held = await holdings(customer.customerId, customer.subdomain);
    expect(held.instances).toEqual([expect.objectContaining({ state: 'running', publicIp: customer.firstIp })]);
    instanceId = held.instances[0].instanceId;
  }, 90_000);

  it('suspends: instance stopped, account and services suspended, the customer emailed once', async () => {
    const suspended = await runWorkflow('SuspendCustomer', `suspend-${customer.customerId}-1`, { customerId: customer.customerId, reason: 'unpaid' });

    expect(suspended).toMatchObject({ status: 'SUCCEEDED' });
    const held = await holdings(customer.customerId, customer.subdomain);
    expect(held.instances).toEqual([expect.objectContaining({ instanceId, state: 'stopped', publicIp: null })]);
    expect(held.identities).toHaveLength(1);
    expect(await status(customer)).toMatchObject({
      status: 'suspended',
      services: { website: 'suspended', crm: 'suspended', email: 'suspended' },
      // The status route tells the story of the workflow that ran last, in the console's state names.
      workflow: { name: 'SuspendCustomer', executionName: `suspend-${customer.customerId}-1`, currentStep: null, steps: expect.arrayContaining([expect.objectContaining({ name: 'Stop instance', status: 'succeeded' })]) },
    });
    expect((await outboxFor(customer.email)).map((e) => e.subject)).toContain('Your StackPro stack is suspended');

    // A duplicate suspension (a redelivered webhook) changes nothing and emails nobody.
    const again = await runWorkflow('SuspendCustomer', `suspend-${customer.customerId}-2`, { customerId: customer.customerId, reason: 'unpaid' });
    expect(again).toMatchObject({ status: 'SUCCEEDED' });
    expect((await outboxFor(customer.email)).filter((e) => e.subject.includes('suspended'))).toHaveLength(1);
  });

  it('resumes: instance running with a new IP, the A record pointing at it, account active', async () => {
    const resumed = await runWorkflow('ResumeCustomer', `resume-${customer.customerId}-1`, { customerId: customer.customerId });

    expect(resumed).toMatchObject({ status: 'SUCCEEDED' });
    const held = await holdings(customer.customerId, customer.subdomain);
    expect(held.instances).toEqual([expect.objectContaining({ instanceId, state: 'running' })]);
    const newIp = held.instances[0].publicIp;
    expect(newIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(newIp).not.toBe(customer.firstIp);
    expect(held.records).toContainEqual(expect.objectContaining({ type: 'A', values: [newIp] }));
    expect(await status(customer)).toMatchObject({
      status: 'active',
      publicIp: newIp,
      services: { website: 'running', crm: 'running', email: 'running' },
      workflow: { name: 'ResumeCustomer', executionName: `resume-${customer.customerId}-1`, currentStep: null },
    });
    expect((await outboxFor(customer.email)).map((e) => e.subject)).toContain('Your StackPro stack is back online');
  });

  it('deprovisions after the retention period: snapshot completed, instance, records and identity gone, account cancelled', async () => {
    const suspended = await runWorkflow('SuspendCustomer', `suspend-${customer.customerId}-3`, { customerId: customer.customerId, reason: 'canceled' });
    expect(suspended).toMatchObject({ status: 'SUCCEEDED' });
    await recordSubscriptionCancelled(customer.customerId);

    const phoneNumbers = async () => ((await (await fetch(`${stack.edgeUrl}/_sandbox/inventory?customer=${customer.customerId}`)).json()) as { phoneNumbers: unknown[] }).phoneNumbers;
    expect(await phoneNumbers()).toHaveLength(1);

    const deprovisioned = await runWorkflow('DeprovisionCustomer', `deprovision-${customer.customerId}-1`, { customerId: customer.customerId, retentionSeconds: 1 });

    expect(deprovisioned).toMatchObject({ status: 'SUCCEEDED' });
    const held = await holdings(customer.customerId, customer.subdomain);
    expect(held.instances).toEqual([]);
    expect(held.records).toEqual([]);
    expect(held.identities).toEqual([]);
    // Its SMS number released (ReleasePhoneNumber), nothing left in the sandbox for it.
    expect(await phoneNumbers()).toEqual([]);
    expect(held.snapshots).toEqual([
      expect.objectContaining({ state: 'completed', tags: expect.objectContaining({ Customer: customer.customerId, Purpose: 'final-backup', ManagedBy: 'stackpro' }) }),
    ]);
    // The account record stays, and the status route still answers for it.
    expect(await status(customer)).toMatchObject({
      status: 'cancelled',
      publicIp: null,
      services: { website: 'deleted', crm: 'deleted', email: 'deleted' },
      workflow: { name: 'DeprovisionCustomer', currentStep: null },
    });
    expect((await outboxFor(customer.email)).map((e) => e.subject)).toContain('Your StackPro subscription is cancelled');
  });
});

describe('deprovisioning guards', () => {
  it('keeps a customer whose account is active again when the retention period ends', async () => {
    const customer = await provisioned();

    const kept = await runWorkflow('DeprovisionCustomer', `deprovision-${customer.customerId}-kept`, { customerId: customer.customerId, retentionSeconds: 0 });

    expect(kept).toMatchObject({ status: 'SUCCEEDED' });
    const held = await holdings(customer.customerId, customer.subdomain);
    expect(held.instances).toEqual([expect.objectContaining({ state: 'running' })]);
    expect(held.snapshots).toEqual([]);
    expect((await status(customer)).status).toBe('active');
  });

  it('refuses a retention period over 30 days, touching nothing', async () => {
    const failed = await runWorkflow('DeprovisionCustomer', 'deprovision-invalid-retention', { customerId: 'nobody', retentionSeconds: 90 * 24 * 3600 });
    expect(failed).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
  });

  it('fails a suspension of an unknown customer without touching anything', async () => {
    const failed = await runWorkflow('SuspendCustomer', 'suspend-unknown-customer', { customerId: 'no-such-customer', reason: 'unpaid' });
    expect(failed).toMatchObject({ status: 'FAILED', error: 'CustomerNotFound' });
  });
});

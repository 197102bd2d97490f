import { handler } from '../../../lambdas/api/get-customer-status';
import type { Customer } from '../../../lambdas/core/customer';
import { type CustomerPartition, readCustomerPartition } from '../../../lambdas/repositories/customer-partition';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

jest.mock('../../../lambdas/repositories/customer-partition');
const readPartition = jest.mocked(readCustomerPartition);

const profile: Customer = {
  customerId: 'cust-1',
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  company: 'Acme',
  plan: 'starter',
  status: 'provisioning',
  subdomain: 'acme.customers.stackpro.test',
  createdAt: '2026-11-25T10:00:00.000Z',
  trialEndsAt: '2026-12-02T10:00:00.000Z',
  provisioningExecutionName: 'acme-cust-1',
};

const status = (pathCustomerId: string, callerId?: string) =>
  handler(
    apiEvent({ httpMethod: 'GET', path: `/customers/${pathCustomerId}/status`, pathParameters: { customerId: pathCustomerId }, customerId: callerId }),
    lambdaContext,
  );

const provisioningSteps: CustomerPartition['steps'] = [
  { name: 'Check instance', status: 'running', startedAt: '2026-11-25T10:00:03.000Z', executionName: 'acme-cust-1', workflowId: 'ProvisionCustomer', message: 'Instance i-1 is pending' },
  { name: 'Start provisioning', status: 'succeeded', startedAt: '2026-11-25T10:00:01.000Z', endedAt: '2026-11-25T10:00:01.500Z', executionName: 'acme-cust-1', workflowId: 'ProvisionCustomer' },
];

beforeEach(() => {
  readPartition.mockReset();
  readPartition.mockImplementation(async (customerId) =>
    customerId === 'cust-1' ? { profile, infrastructure: { instanceId: 'i-1', publicIp: '198.51.100.7' }, steps: provisioningSteps } : { steps: [] },
  );
});

describe('GET /customers/{customerId}/status', () => {
  it("answers the caller's own status with its provisioning progress, and no credentials or keys", async () => {
    const res = await status('cust-1', 'cust-1');
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({
      customerId: 'cust-1',
      status: 'provisioning',
      plan: 'starter',
      company: 'Acme',
      subdomain: 'acme.customers.stackpro.test',
      createdAt: '2026-11-25T10:00:00.000Z',
      trialEndsAt: '2026-12-02T10:00:00.000Z',
      publicIp: '198.51.100.7',
      services: { website: 'provisioning', crm: 'provisioning', email: 'provisioning' },
      billing: { stripeCustomerId: null, subscriptionStatus: null, trialEndsAt: '2026-12-02T10:00:00.000Z', currentPeriodEnd: null, cancelAtPeriodEnd: false },
      provisioning: {
        executionName: 'acme-cust-1',
        attempt: 1,
        currentStep: 'Check instance',
        steps: [
          { name: 'Start provisioning', status: 'succeeded', startedAt: '2026-11-25T10:00:01.000Z', endedAt: '2026-11-25T10:00:01.500Z' },
          { name: 'Check instance', status: 'running', startedAt: '2026-11-25T10:00:03.000Z', message: 'Instance i-1 is pending' },
        ],
      },
      workflow: {
        name: 'ProvisionCustomer',
        executionName: 'acme-cust-1',
        currentStep: 'Check instance',
        steps: [
          { name: 'Start provisioning', status: 'succeeded', startedAt: '2026-11-25T10:00:01.000Z', endedAt: '2026-11-25T10:00:01.500Z' },
          { name: 'Check instance', status: 'running', startedAt: '2026-11-25T10:00:03.000Z', message: 'Instance i-1 is pending' },
        ],
      },
    });
    expect(readPartition).toHaveBeenCalledTimes(1);
  });

  it('shows the workflow that moved last (a suspension after provisioning), with its own steps', async () => {
    const done = provisioningSteps.map((step) => ({ ...step, status: 'succeeded' as const, endedAt: '2026-11-25T10:02:00.000Z' }));
    readPartition.mockResolvedValue({
      profile: { ...profile, status: 'suspending' },
      steps: [
        ...done,
        { name: 'Stop instance', status: 'succeeded', startedAt: '2026-12-03T09:00:00.000Z', endedAt: '2026-12-03T09:00:01.000Z', executionName: 'suspend-cust-1-1', workflowId: 'SuspendCustomer' },
        { name: 'Check instance stopped', status: 'running', startedAt: '2026-12-03T09:00:02.000Z', executionName: 'suspend-cust-1-1', workflowId: 'SuspendCustomer' },
      ],
    });

    const body = bodyOf(await status('cust-1', 'cust-1'));

    expect(body.provisioning.currentStep).toBeNull();
    expect(body.workflow).toEqual({
      name: 'SuspendCustomer',
      executionName: 'suspend-cust-1-1',
      currentStep: 'Check instance stopped',
      steps: [
        { name: 'Stop instance', status: 'succeeded', startedAt: '2026-12-03T09:00:00.000Z', endedAt: '2026-12-03T09:00:01.000Z' },
        { name: 'Check instance stopped', status: 'running', startedAt: '2026-12-03T09:00:02.000Z' },
      ],
    });
  });

  it("shows the usage job's measured figures with measuredAt, and nothing else the item holds", async () => {
    const usage = { measuredAt: '2026-11-25T10:15:00.000Z', diskUsedBytes: 4_000_000_000, backups: { count: 1 } };
    readPartition.mockResolvedValue({ profile, steps: [], usage: { ...usage, updatedBy: 'job' } as never });

    const body = bodyOf(await status('cust-1', 'cust-1')) as { usage?: unknown };

    expect(body.usage).toEqual(usage);
  });

  it('answers workflow null before any step ran', async () => {
    readPartition.mockResolvedValue({ profile, steps: [] });
    expect(bodyOf(await status('cust-1', 'cust-1')).workflow).toBeNull();
  });

  it("answers 404 for another customer's id without reading it", async () => {
    const res = await status('cust-1', 'cust-2');
    expect(res.statusCode).toBe(404);
    expect(bodyOf(res).error.code).toBe('NOT_FOUND');
    expect(readPartition).not.toHaveBeenCalled();
  });

  it('answers the same 404 for an id that does not exist', async () => {
    const other = await status('cust-1', 'cust-2');
    const missing = await status('cust-9', 'cust-9');
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toBe(other.body);
  });

  it('answers 404 when no authorizer context is present', async () => {
    expect((await status('cust-1')).statusCode).toBe(404);
  });
});

import { DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { GetCommandInvocationCommand, SSMClient, SendCommandCommand } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { Customer } from '../../../lambdas/core/customer';
import type * as Accounts from '../../../lambdas/repositories/accounts';
import type * as Infrastructure from '../../../lambdas/repositories/infrastructure';
import type * as PlanChanges from '../../../lambdas/repositories/plan-changes';
import type * as ProvisioningLog from '../../../lambdas/repositories/provisioning-log';
import { CUSTOMER_CONTAINERS } from '../../../lib/customer-containers';
import { APP_PATHS, appsCheckScript, handler as checkAppsStep } from '../../../lambdas/resize/check-apps-answer';
import { handler as findInstanceStep } from '../../../lambdas/resize/find-instance';
import { handler as putBackPriceStep } from '../../../lambdas/resize/put-back-previous-price';
import { handler as recordFailureStep } from '../../../lambdas/resize/record-resize-failure';
import { asTask } from '../provisioning/helpers';

const findInstance = asTask('Find instance', findInstanceStep);
const recordFailure = asTask('Record resize failure', recordFailureStep);
const checkApps = asTask('Check apps answer', checkAppsStep);
const putBackPrice = asTask('Put back previous price', putBackPriceStep);

const retrieve = jest.fn();
const update = jest.fn();
jest.mock('../../../lambdas/clients/stripe', () => ({ getStripe: async () => ({ subscriptions: { retrieve, update } }) }));

const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);

// The repositories the steps use: the profile is read as set below; the infrastructure item is a fake that
// keeps what updateInfrastructure sets (it sets only the given fields, test/unit/repositories/infrastructure.test.ts).
const getCustomer = jest.fn<ReturnType<typeof Accounts.getCustomer>, Parameters<typeof Accounts.getCustomer>>();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (...args: Parameters<typeof Accounts.getCustomer>) => getCustomer(...args) }));
const getInfrastructure = jest.fn<ReturnType<typeof Infrastructure.getInfrastructure>, Parameters<typeof Infrastructure.getInfrastructure>>();
const updateInfrastructure = jest.fn<ReturnType<typeof Infrastructure.updateInfrastructure>, Parameters<typeof Infrastructure.updateInfrastructure>>();
jest.mock('../../../lambdas/repositories/infrastructure', () => ({
  getInfrastructure: (...args: Parameters<typeof Infrastructure.getInfrastructure>) => getInfrastructure(...args),
  updateInfrastructure: (...args: Parameters<typeof Infrastructure.updateInfrastructure>) => updateInfrastructure(...args),
}));
const failPlanChange = jest.fn<ReturnType<typeof PlanChanges.failPlanChange>, Parameters<typeof PlanChanges.failPlanChange>>();
jest.mock('../../../lambdas/repositories/plan-changes', () => ({
  failPlanChange: (...args: Parameters<typeof PlanChanges.failPlanChange>) => failPlanChange(...args),
}));
const recordStep = jest.fn<ReturnType<typeof ProvisioningLog.recordStep>, Parameters<typeof ProvisioningLog.recordStep>>();
const failRunningSteps = jest.fn<ReturnType<typeof ProvisioningLog.failRunningSteps>, Parameters<typeof ProvisioningLog.failRunningSteps>>();
jest.mock('../../../lambdas/repositories/provisioning-log', () => ({
  recordStep: (...args: Parameters<typeof ProvisioningLog.recordStep>) => recordStep(...args),
  failRunningSteps: (...args: Parameters<typeof ProvisioningLog.failRunningSteps>) => failRunningSteps(...args),
}));

const base = { customerId: 'cust-1', executionName: 'resize-enterprise-cust-1-abc', changeId: 'abc', fromPlan: 'business', toPlan: 'enterprise' };
const onInstance = { ...base, instanceId: 'i-1', subdomain: 'acme.customers.stackpro.example' };
const profile = {
  customerId: 'cust-1',
  subdomain: 'acme.customers.stackpro.example',
  plan: 'business',
  status: 'active',
  pendingPlan: 'enterprise',
  planChange: { changeId: 'abc', from: 'business', to: 'enterprise' },
  billing: { stripeCustomerId: 'cus_1', subscriptionId: 'sub_1' },
};
const subscriptionOn = (price: string) => ({ id: 'sub_1', items: { data: [{ id: 'si_1', price: { id: price } }] } });
/** The infrastructure item as the table holds it: what the apps check remembered, if anything. */
let infrastructure: Record<string, unknown> = {};

beforeEach(() => {
  for (const client of [ec2, ssm]) client.reset();
  infrastructure = {};
  getCustomer.mockReset().mockImplementation(async (customerId) => (customerId === 'cust-1' ? (profile as unknown as Customer) : undefined));
  getInfrastructure.mockReset().mockImplementation(async (customerId) => (customerId === 'cust-1' ? { ...infrastructure } : undefined));
  updateInfrastructure.mockReset().mockImplementation(async (customerId, fields) => {
    if (customerId === 'cust-1') for (const [name, value] of Object.entries(fields)) if (value !== undefined) infrastructure[name] = value;
  });
  failPlanChange.mockReset().mockResolvedValue(true);
  recordStep.mockReset().mockResolvedValue(undefined);
  failRunningSteps.mockReset().mockResolvedValue(undefined);
  retrieve.mockReset().mockResolvedValue(subscriptionOn('price_enterprise_test'));
  update.mockReset().mockResolvedValue(subscriptionOn('price_business_test'));
});

describe('Check apps answer', () => {
  it('asks every app the proxy serves (the Caddyfile routes of lib/customer-containers.ts)', () => {
    const served = CUSTOMER_CONTAINERS.filter((container) => container.port !== undefined).map((container) => container.name);
    expect(Object.keys(APP_PATHS).sort()).toEqual(served.sort());
    const script = appsCheckScript('acme.customers.stackpro.example').join('\n');
    for (const path of Object.values(APP_PATHS)) expect(script).toContain(`'https://acme.customers.stackpro.example${path}'`);
    expect(script).toContain("--resolve 'acme.customers.stackpro.example:443:127.0.0.1'");
  });

  it('refuses a subdomain a shell could read as more than a host name (malformed)', () => {
    for (const bad of ["acme'; rm -rf /", 'acme customers', '$(id).x', 'nodot']) expect(() => appsCheckScript(bad)).toThrow('not a host name');
  });

  it('sends the check once per execution, then polls it until the apps answer', async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-apps' } });
    ssm.on(GetCommandInvocationCommand).resolvesOnce({ Status: 'InProgress' }).resolves({ Status: 'Success' });

    await expect(checkApps(onInstance)).rejects.toMatchObject({ name: 'NotReadyError' });
    await expect(checkApps(onInstance)).rejects.toMatchObject({ name: 'NotReadyError' });
    await expect(checkApps(onInstance)).resolves.toEqual({ commandId: 'cmd-apps' });

    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(1);
    expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input).toMatchObject({ DocumentName: 'AWS-RunShellScript', InstanceIds: ['i-1'] });
  });

  it('waits (NotReadyError) while the SSM agent is not online after the start', async () => {
    ssm.on(SendCommandCommand).rejects(Object.assign(new Error('not managed'), { name: 'InvalidInstanceId' }));
    await expect(checkApps(onInstance)).rejects.toMatchObject({ name: 'NotReadyError' });
    expect(infrastructure.appsCheckCommand).toBeUndefined();
  });

  it('fails with AppsNotAnsweringError when an app did not answer', async () => {
    infrastructure = { appsCheckCommand: { executionName: base.executionName, commandId: 'cmd-apps' } };
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Failed' });
    await expect(checkApps(onInstance)).rejects.toMatchObject({ name: 'AppsNotAnsweringError' });
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  it('sends a new check for a new execution (an older resize left its command behind)', async () => {
    infrastructure = { appsCheckCommand: { executionName: 'resize-business-cust-1-old', commandId: 'cmd-old' } };
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-new' } });
    await expect(checkApps(onInstance)).rejects.toMatchObject({ name: 'NotReadyError' });
    expect(infrastructure.appsCheckCommand).toEqual({ executionName: base.executionName, commandId: 'cmd-new' });
  });
});

describe('Put back previous price', () => {
  it("moves the subscription back to the previous plan's price with no proration, once per change", async () => {
    await expect(putBackPrice(base)).resolves.toEqual({ restored: true });
    expect(update).toHaveBeenCalledWith('sub_1', { items: [{ id: 'si_1', price: 'price_business_test' }], proration_behavior: 'none' }, { idempotencyKey: 'stackpro-plan-revert-cust-1-business-si_1-abc' });
  });

  it('does nothing when the price is the previous one already (a retry, or Stripe never took the change)', async () => {
    retrieve.mockResolvedValue(subscriptionOn('price_business_test'));
    await expect(putBackPrice(base)).resolves.toEqual({ restored: true });
    expect(update).not.toHaveBeenCalled();
  });
});

describe('Find instance after a stopped resize', () => {
  const instance = (type: string): Instance =>
    ({ InstanceId: 'i-1', InstanceType: type, State: { Name: 'stopped' }, RootDeviceName: '/dev/xvda', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-1' } }] }) as Instance;

  it("puts back the previous plan's type when the stopped run had changed it already", async () => {
    infrastructure = { instanceId: 'i-1' };
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance('t3.medium')] }] });
    await expect(findInstance(base)).resolves.toMatchObject({ instanceId: 'i-1', previousType: 't3.small' });
  });

  it('keeps the type the instance has when the change had not happened', async () => {
    infrastructure = { instanceId: 'i-1' };
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance('t3.small')] }] });
    await expect(findInstance(base)).resolves.toMatchObject({ previousType: 't3.small' });
  });
});

describe('Record resize failure', () => {
  it('says when the price could not be put back', async () => {
    const output = await recordFailure({ ...base, error: { Error: 'AppsNotAnsweringError', Cause: 'The website, CRM or webmail did not answer after the resize (check ended Failed)' }, price: { Error: 'StripeConnectionError' } });
    expect(output.reason).toBe('The website, CRM or webmail did not answer after the resize (check ended Failed)');
    expect(failPlanChange.mock.calls).toEqual([['cust-1', 'abc', output.reason]]);
    expect(recordStep).toHaveBeenLastCalledWith('cust-1', base.executionName, 'Record resize failure', 'failed', expect.stringContaining('the subscription price still to be put back'), expect.any(Date), undefined);
  });
});

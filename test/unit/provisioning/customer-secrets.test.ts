import { AddTagsToResourceCommand, PutParameterCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { CUSTOMER_SECRETS, customerParameterName } from '../../../lambdas/core/customer-secrets';
import { ensureCustomerSecrets, randomSecret } from '../../../lambdas/provisioning/customer-secrets';
import { handler as deployStep } from '../../../lambdas/provisioning/deploy-applications';
import type * as Infrastructure from '../../../lambdas/repositories/infrastructure';
import { asTask, awsError, ctx, recordStep, resetRecordedSteps } from './helpers';

const deploy = asTask('Deploy applications', deployStep);

const getInfrastructure = jest.fn<ReturnType<typeof Infrastructure.getInfrastructure>, Parameters<typeof Infrastructure.getInfrastructure>>();
const updateInfrastructure = jest.fn<ReturnType<typeof Infrastructure.updateInfrastructure>, Parameters<typeof Infrastructure.updateInfrastructure>>();
jest.mock('../../../lambdas/repositories/infrastructure', () => ({
  getInfrastructure: (...args: Parameters<typeof Infrastructure.getInfrastructure>) => getInfrastructure(...args),
  updateInfrastructure: (...args: Parameters<typeof Infrastructure.updateInfrastructure>) => updateInfrastructure(...args),
}));
// Deploy records the app version it deployed (fleet updates' repository; its own test covers the write).
jest.mock('../../../lambdas/repositories/fleet-updates', () => ({ recordAppVersion: async () => undefined }));
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: async () => undefined }));
jest.mock('../../../lambdas/repositories/provisioning-log', () => ({ recordStep: (...args: Parameters<typeof recordStep>) => recordStep(...args) }));
const ssm = mockClient(SSMClient);
const ARN = (instanceId: string) => `arn:aws:ec2:us-east-1:000000000000:instance/${instanceId}`;
const SECRET_COUNT = Object.keys(CUSTOMER_SECRETS).length;

beforeEach(() => {
  ssm.reset();
  resetRecordedSteps();
  getInfrastructure.mockReset().mockResolvedValue(undefined);
  updateInfrastructure.mockReset().mockResolvedValue(undefined);
  ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });
});

describe('customer secrets (issue 7, part 4)', () => {
  it('creates each secret as a SecureString tagged with the one instance that may read it', async () => {
    await expect(ensureCustomerSecrets('cust-1', 'i-1')).resolves.toEqual({ created: SECRET_COUNT, retagged: 0 });
    const puts = ssm.commandCalls(PutParameterCommand).map((call) => call.args[0].input);
    expect(puts.map((input) => input.Name).sort()).toEqual(Object.keys(CUSTOMER_SECRETS).map((secret) => customerParameterName('cust-1', secret as never)).sort());
    for (const input of puts) {
      expect(input).toMatchObject({ Type: 'SecureString', Overwrite: false });
      expect(input.Tags).toContainEqual({ Key: 'StackProInstance', Value: ARN('i-1') });
      expect(input.Name).toMatch(/^\/stackpro\/customers\/cust-1\/(db|crm|mail)\/[a-z-]+$/);
    }
    expect(ssm.commandCalls(AddTagsToResourceCommand)).toHaveLength(0);
  });

  it('never rewrites an existing secret: it re-tags it for the new instance (a retried provisioning)', async () => {
    ssm.on(PutParameterCommand).rejects(awsError('ParameterAlreadyExists'));
    await expect(ensureCustomerSecrets('cust-1', 'i-2')).resolves.toEqual({ created: 0, retagged: SECRET_COUNT });
    const tags = ssm.commandCalls(AddTagsToResourceCommand).map((call) => call.args[0].input);
    expect(tags).toHaveLength(SECRET_COUNT);
    for (const input of tags) {
      expect(input).toMatchObject({ ResourceType: 'Parameter', Tags: [{ Key: 'StackProInstance', Value: ARN('i-2') }] });
    }
  });

  it('lets any other error through by name (the state machine retries throttling)', async () => {
    ssm.on(PutParameterCommand).rejects(awsError('ThrottlingException'));
    await expect(ensureCustomerSecrets('cust-1', 'i-1')).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('survives the same step 50 times at once: each secret is created once, the rest only re-tag', async () => {
    const created = new Set<string>();
    ssm.on(PutParameterCommand).callsFake((input: { Name: string }) => {
      if (created.has(input.Name)) throw awsError('ParameterAlreadyExists');
      created.add(input.Name);
      return { Version: 1 };
    });
    const results = await Promise.all(Array.from({ length: 50 }, () => ensureCustomerSecrets('cust-1', 'i-1')));
    expect(results.reduce((sum, result) => sum + result.created, 0)).toBe(SECRET_COUNT);
    expect(results.reduce((sum, result) => sum + result.retagged, 0)).toBe(50 * SECRET_COUNT - SECRET_COUNT);
  });

  it('makes random secrets of the length asked, safe in an env file', () => {
    for (const length of [24, 32]) {
      const values = new Set(Array.from({ length: 100 }, () => randomSecret(length)));
      expect(values.size).toBe(100);
      for (const value of values) expect(value).toMatch(new RegExp(`^[A-Za-z0-9_-]{${length}}$`));
    }
  });

  it('Deploy applications tags the secrets before sending the command, and no secret travels in it or the log', async () => {
    await expect(deploy({ ...ctx, instanceId: 'i-1', subdomain: 'acme.x', plan: 'starter' })).resolves.toEqual({ commandId: 'cmd-1' });
    const order = ssm.calls().map((call) => call.args[0].constructor.name);
    expect(order.slice(0, SECRET_COUNT)).toEqual(Array(SECRET_COUNT).fill('PutParameterCommand'));
    expect(order.at(-1)).toBe('SendCommandCommand');
    const values = ssm.commandCalls(PutParameterCommand).map((call) => call.args[0].input.Value!);
    const sent = JSON.stringify(ssm.commandCalls(SendCommandCommand)[0]!.args[0].input);
    const stored = JSON.stringify([updateInfrastructure.mock.calls, recordStep.mock.calls]);
    expect(updateInfrastructure).toHaveBeenCalledWith('cust-1', { instanceId: 'i-1', deployCommand: { executionName: ctx.executionName, commandId: 'cmd-1' } });
    for (const value of values) {
      expect(sent).not.toContain(value);
      expect(stored).not.toContain(value);
    }
  });

  it('does not touch the secrets again when the command was already sent for this execution', async () => {
    getInfrastructure.mockResolvedValue({ deployCommand: { executionName: ctx.executionName, commandId: 'cmd-0' } });
    await expect(deploy({ ...ctx, instanceId: 'i-1', subdomain: 'acme.x', plan: 'starter' })).resolves.toEqual({ commandId: 'cmd-0' });
    expect(ssm.calls()).toHaveLength(0);
    expect(updateInfrastructure).not.toHaveBeenCalled();
  });
});

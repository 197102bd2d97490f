import { randomUUID } from 'node:crypto';
import { failRunningSteps, listSteps, recordStep } from '../../../lambdas/repositories/provisioning-log';

/** Against DynamoDB Local (the repositories project): every test with a customer of its own. */
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));

describe('the step log', () => {
  it('keeps one entry per step, updated in place: a retried or polled step keeps its first start and never appears twice', async () => {
    const customerId = randomUUID();
    await recordStep(customerId, 'exec-1', 'Launch instance', 'running', 'Attempt failed: capacity', at(1), 'ProvisionCustomer');
    await recordStep(customerId, 'exec-1', 'Launch instance', 'running', undefined, at(2));
    await recordStep(customerId, 'exec-1', 'Launch instance', 'succeeded', 'Instance launched', at(3));

    expect(await listSteps(customerId, 'exec-1')).toEqual([
      {
        executionName: 'exec-1',
        workflowId: 'ProvisionCustomer',
        name: 'Launch instance',
        status: 'succeeded',
        startedAt: at(1).toISOString(),
        endedAt: at(3).toISOString(),
        message: 'Instance launched',
      },
    ]);
  });

  it('a step polled again after it ended is running again, without an end', async () => {
    const customerId = randomUUID();
    await recordStep(customerId, 'exec-1', 'Instance running?', 'failed', 'gave up', at(1));
    await recordStep(customerId, 'exec-1', 'Instance running?', 'running', undefined, at(2));
    const [step] = await listSteps(customerId, 'exec-1');
    expect(step).toMatchObject({ status: 'running', startedAt: at(1).toISOString() });
    expect(step.endedAt).toBeUndefined();
  });

  it('lists only the steps of that execution and customer, in the order they started', async () => {
    const customerId = randomUUID();
    const otherTenant = randomUUID();
    await recordStep(customerId, 'exec-1', 'Deploy applications', 'succeeded', undefined, at(5));
    await recordStep(customerId, 'exec-1', 'Launch instance', 'succeeded', undefined, at(1));
    await recordStep(customerId, 'exec-10', 'Launch instance', 'running', undefined, at(2));
    await recordStep(otherTenant, 'exec-1', 'Point subdomain', 'running', undefined, at(0));

    expect((await listSteps(customerId, 'exec-1')).map((step) => step.name)).toEqual(['Launch instance', 'Deploy applications']);
  });

  it('failRunningSteps ends every step still in progress with the reason, and leaves finished ones alone', async () => {
    const customerId = randomUUID();
    await recordStep(customerId, 'exec-1', 'Launch instance', 'succeeded', 'Instance launched', at(1));
    await recordStep(customerId, 'exec-1', 'Instance running?', 'running', undefined, at(2));

    await failRunningSteps(customerId, 'exec-1', 'The instance never started');

    expect(await listSteps(customerId, 'exec-1')).toEqual([
      expect.objectContaining({ name: 'Launch instance', status: 'succeeded', message: 'Instance launched' }),
      expect.objectContaining({ name: 'Instance running?', status: 'failed', message: 'The instance never started', endedAt: expect.any(String) }),
    ]);
  });
});

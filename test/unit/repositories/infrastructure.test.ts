import { randomUUID } from 'node:crypto';
import { getInfrastructure, updateInfrastructure } from '../../../lambdas/repositories/infrastructure';
import { keys } from '../../../lambdas/repositories/keys';
import { getItem } from './table';

/** Against DynamoDB Local (the repositories project): every test with customers of its own. */
describe('infrastructure', () => {
  it("creates the item in the customer's partition on the first update, then sets only the given fields", async () => {
    const customerId = randomUUID();
    expect(await getInfrastructure(customerId)).toBeUndefined();

    await updateInfrastructure(customerId, { instanceId: 'i-1', publicIp: undefined });
    await updateInfrastructure(customerId, { publicIp: '203.0.113.7', deployCommand: { executionName: 'provision-1', commandId: 'cmd-1' } });

    expect(await getItem({ pk: `CUSTOMER#${customerId}`, sk: 'INFRASTRUCTURE' })).toMatchObject({ type: 'infrastructure', instanceId: 'i-1' });
    expect(await getInfrastructure(customerId)).toEqual({
      instanceId: 'i-1',
      publicIp: '203.0.113.7',
      deployCommand: { executionName: 'provision-1', commandId: 'cmd-1' },
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it("the other tenant: one customer's update never touches another's item or profile", async () => {
    const mine = randomUUID();
    const theirs = randomUUID();
    await updateInfrastructure(theirs, { instanceId: 'i-theirs' });
    await updateInfrastructure(mine, { instanceId: 'i-mine', services: { website: 'running', crm: 'running', email: 'pending_verification' } });
    expect(await getInfrastructure(theirs)).toEqual({ instanceId: 'i-theirs', updatedAt: expect.any(String) });
    expect(await getItem(keys.customer(mine))).toBeUndefined();
  });
});

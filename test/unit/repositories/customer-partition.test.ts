import { randomUUID } from 'node:crypto';
import { dynamodb } from '../../../lambdas/clients/dynamodb';
import { keys } from '../../../lambdas/repositories/keys';
import { readCustomerPartition } from '../../../lambdas/repositories/customer-partition';
import { recordStep } from '../../../lambdas/repositories/provisioning-log';
import { putItem } from './table';

/** Against DynamoDB Local (the repositories project): every test with customers of its own. */
describe('readCustomerPartition', () => {
  it('reads the profile, infrastructure, every step and the usage of one customer only, in one request, without their keys', async () => {
    const customerId = randomUUID();
    const other = randomUUID();
    await putItem({ ...keys.customer(customerId), type: 'customer', customerId, status: 'active' });
    await putItem({ ...keys.infrastructure(customerId), type: 'infrastructure', instanceId: 'i-1' });
    await putItem({ ...keys.usage(customerId), type: 'usage', measuredAt: '2030-01-01T00:00:00.000Z', diskUsedBytes: 5 });
    await recordStep(customerId, 'exec-1', 'Launch instance', 'succeeded', undefined, new Date('2030-01-01T00:00:00.000Z'), 'ProvisionCustomer');
    await putItem({ ...keys.customer(other), type: 'customer', customerId: other, status: 'suspended' });

    const send = jest.spyOn(dynamodb, 'send');
    const partition = await readCustomerPartition(customerId);
    // One DynamoDB request per status read (issue 8's figure), however many kinds of item the partition holds.
    expect(send).toHaveBeenCalledTimes(1);
    send.mockRestore();

    expect(partition.profile).toEqual({ customerId, status: 'active' });
    expect(partition.infrastructure).toEqual({ instanceId: 'i-1' });
    expect(partition.usage).toEqual({ measuredAt: '2030-01-01T00:00:00.000Z', diskUsedBytes: 5 });
    expect(partition.steps).toEqual([expect.objectContaining({ executionName: 'exec-1', workflowId: 'ProvisionCustomer', name: 'Launch instance', status: 'succeeded' })]);
  });

  it('has no usage until the usage job measured, and nothing for a customer that does not exist', async () => {
    const customerId = randomUUID();
    await putItem({ ...keys.customer(customerId), type: 'customer', customerId, status: 'active' });

    expect(await readCustomerPartition(customerId)).not.toHaveProperty('usage');
    expect(await readCustomerPartition(randomUUID())).toEqual({ profile: undefined, infrastructure: undefined, steps: [] });
  });
});

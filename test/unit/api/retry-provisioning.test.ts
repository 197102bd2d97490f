import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/api/retry-provisioning';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const failed = {
  customerId: 'cust-1',
  status: 'failed',
  subdomain: 'acme.customers.stackpro.test',
  provisioningExecutionName: 'acme-cust-1',
  provisioningAttempt: 1,
  failureReason: 'InstanceCapacityError: no capacity',
};
const retry = (customerId = 'cust-1') =>
  handler(apiEvent({ path: `/admin/customers/${customerId}/provisioning/retry`, pathParameters: { customerId } }), lambdaContext);

beforeEach(() => {
  ddb.reset();
  sfn.reset();
  ddb.on(GetCommand).resolves({ Item: failed });
  ddb.on(UpdateCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
});

describe('POST /admin/customers/{id}/provisioning/retry', () => {
  it('starts attempt 2 under a new execution name, only if the customer is still failed', async () => {
    const res = await retry();
    expect(res.statusCode).toBe(202);
    expect(bodyOf(res)).toEqual({ customerId: 'cust-1', status: 'provisioning', attempt: 2, executionName: 'acme-cust-1-attempt-2' });
    const update = ddb.commandCalls(UpdateCommand)[0].args[0].input;
    expect(update.ConditionExpression).toContain('#status = :failed');
    expect(update.ExpressionAttributeValues).toMatchObject({ ':attempt': 2, ':execution': 'acme-cust-1-attempt-2' });
    const start = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    expect(start.name).toBe('acme-cust-1-attempt-2');
    expect(JSON.parse(start.input!)).toEqual({ customerId: 'cust-1', attempt: 2 });
  });

  it.each(['provisioning', 'active'])('answers 409 INVALID_STATE for a %s customer', async (status) => {
    ddb.on(GetCommand).resolves({ Item: { ...failed, status } });
    const res = await retry();
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res).error.code).toBe('INVALID_STATE');
    expect(sfn.calls()).toHaveLength(0);
  });

  it('starts one execution when two operators retry at once', async () => {
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    expect((await retry()).statusCode).toBe(409);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('puts the customer back to failed and answers 503 when the execution cannot start', async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('x'), { name: 'ServiceUnavailable' }));
    const res = await retry();
    expect(res.statusCode).toBe(503);
    const revert = ddb.commandCalls(UpdateCommand)[1].args[0].input;
    expect(revert.ExpressionAttributeValues).toMatchObject({ ':status': 'failed', ':execution': 'acme-cust-1-attempt-2' });
  });

  it('answers 404 for an unknown customer', async () => {
    ddb.on(GetCommand).resolves({});
    expect((await retry('ghost')).statusCode).toBe(404);
  });

  // Found by the fuzz suite: a 4,000-character id made DynamoDB refuse the key (over 2,048 bytes), a 500.
  it.each([['too long for a key', 'a'.repeat(4_000)], ['not an id', 'a b'], ['empty', '']])('answers 404 for an id that cannot be one (%s) without reading the table', async (_label, customerId) => {
    const res = await retry(customerId);
    expect(res.statusCode).toBe(404);
    expect(bodyOf(res).error.code).toBe('NOT_FOUND');
    expect(ddb.calls()).toHaveLength(0);
  });
});

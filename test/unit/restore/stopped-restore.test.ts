import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/workflows/recover-stopped-execution';

process.env.RESTORE_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:RestoreCustomer';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const EXECUTION = 'restore-cust-1-1764547200000';

/** The customer's RESTORE item as DynamoDB holds it; the handler's writes apply to it. */
let restore: Record<string, unknown> | undefined;

function event(detail: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: 'evt-1',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '000000000000',
    time: '2026-12-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:RestoreCustomer:${EXECUTION}`,
      stateMachineArn: process.env.RESTORE_STATE_MACHINE_ARN,
      name: EXECUTION,
      status: 'ABORTED',
      startDate: Date.parse('2026-12-01T00:00:00Z'),
      stopDate: Date.parse('2026-12-01T00:01:00Z'),
      input: JSON.stringify({ customerId: 'cust-1', recoveryPointId: 'snap-0123456789abcdef0' }),
      ...detail,
    },
  };
}

beforeEach(() => {
  ddb.reset();
  sfn.reset();
  restore = { pk: 'CUSTOMER#cust-1', sk: 'RESTORE', executionName: EXECUTION, recoveryPointId: 'snap-0123456789abcdef0', state: 'running', previousVolumeId: 'vol-0old', restoredVolumeId: 'vol-0new' };
  ddb.on(GetCommand, { Key: { pk: 'CUSTOMER#cust-1', sk: 'PROFILE' } }).resolves({ Item: { pk: 'CUSTOMER#cust-1', sk: 'PROFILE', customerId: 'cust-1', status: 'active', subdomain: 'acme.customers.stackpro.test' } });
  ddb.on(GetCommand, { Key: { pk: 'CUSTOMER#cust-1', sk: 'RESTORE' } }).callsFake(async () => ({ Item: restore }));
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(UpdateCommand).callsFake(async (input: { Key: { sk: string }; ExpressionAttributeValues: Record<string, unknown> }) => {
    if (input.Key.sk === 'RESTORE' && restore) restore = { ...restore, state: input.ExpressionAttributeValues[':state'] ?? restore.state, reason: input.ExpressionAttributeValues[':reason'] };
    return {};
  });
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
});

const stepWrites = () =>
  ddb
    .commandCalls(UpdateCommand)
    .filter((c) => String(c.args[0].input.Key?.sk).startsWith('PROVSTEP#'))
    .map((c) => [c.args[0].input.ExpressionAttributeValues![':name'], c.args[0].input.ExpressionAttributeValues![':status']]);

describe('a RestoreCustomer execution stopped from the console', () => {
  it('starts the roll-back-only execution once: the old volume goes back and the customer is left running', async () => {
    await expect(handler(event())).resolves.toEqual({ action: 'rerun', executionName: `${EXECUTION}-rollback` });

    const start = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(start).toMatchObject({ stateMachineArn: process.env.RESTORE_STATE_MACHINE_ARN, name: `${EXECUTION}-rollback` });
    expect(JSON.parse(start.input!)).toEqual({ customerId: 'cust-1', rollBackOnly: true, error: { Error: 'RestoreStoppedError', Cause: expect.stringContaining('stopped') } });
    expect(stepWrites()).toContainEqual(['Roll back after the execution stopped', 'succeeded']);
    // The restore stays running until the roll-back records its own end.
    expect(restore?.state).toBe('running');
  });

  it('the same event again starts nothing new (the roll-back name is the idempotency key)', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    await expect(handler(event())).resolves.toEqual({ action: 'ignored', why: 'the roll-back was started already' });
  });

  it('a restore that rolled back by itself (its own Fail state) is left alone', async () => {
    await expect(handler(event({ status: 'FAILED', error: 'RestoreRolledBack' }))).resolves.toMatchObject({ action: 'ignored' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('a restore already ended, or not the customer\'s latest, is left alone', async () => {
    restore = { ...restore, state: 'restored' };
    await expect(handler(event())).resolves.toMatchObject({ action: 'ignored' });
    restore = { ...restore, state: 'running', executionName: 'restore-cust-1-1764550000000' };
    await expect(handler(event())).resolves.toMatchObject({ action: 'ignored', why: 'not the customer’s latest restore' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('a roll-back that is stopped too is left for operators: recorded as rollback_incomplete, never run a third time', async () => {
    const name = `${EXECUTION}-rollback`;
    await expect(handler(event({ name, executionArn: `arn:aws:states:us-east-1:000000000000:execution:RestoreCustomer:${name}` }))).resolves.toMatchObject({ action: 'left-for-operators' });
    expect(restore?.state).toBe('rollback_incomplete');
    expect(stepWrites()).toContainEqual(['Roll back after the execution stopped', 'failed']);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

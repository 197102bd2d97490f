import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type * as ProvisioningLog from '../../../lambdas/repositories/provisioning-log';

/** The table as the steps see it: progress writes succeed; reads answer what a test sets. */
export function mockTable() {
  const ddb = mockClient(DynamoDBDocumentClient);
  const reset = () => {
    ddb.reset();
    ddb.on(UpdateCommand).resolves({});
    ddb.on(GetCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });
  };
  return { ddb, reset };
}

/** The step-log writes a step made through the document client: [step name, status, message]. */
export function stepLog(ddb: ReturnType<typeof mockTable>['ddb']): [string, string, string | undefined][] {
  return ddb
    .commandCalls(UpdateCommand)
    .filter((c) => String(c.args[0].input.Key?.sk).startsWith('PROVSTEP#'))
    .map((c) => {
      const values = c.args[0].input.ExpressionAttributeValues!;
      return [values[':name'], values[':status'], values[':message']];
    });
}

/**
 * The provisioning-log repository's recordStep, for step tests that mock the repository (how the step is
 * stored is test/unit/repositories/provisioning-log.test.ts's). In the test file:
 * `jest.mock('../../../lambdas/repositories/provisioning-log', () => ({ recordStep: (...args: Parameters<typeof recordStep>) => recordStep(...args) }))`.
 */
export const recordStep = jest.fn<ReturnType<typeof ProvisioningLog.recordStep>, Parameters<typeof ProvisioningLog.recordStep>>();

/** Forgets the recorded steps; recording succeeds. */
export function resetRecordedSteps(): void {
  recordStep.mockReset().mockResolvedValue(undefined);
}

/** The steps recorded through the repository: [step name, status, message]. */
export function recordedSteps(): [string, string, string | undefined][] {
  return recordStep.mock.calls.map(([, , name, status, message]) => [name, status, message]);
}

export const ctx = { customerId: 'cust-1', executionName: 'acme-cust-1' };

/** An AWS SDK service error as the SDK raises it (the name is what handlers and the ASL match). */
export function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: {} });
}

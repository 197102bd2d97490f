import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

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

/** The step-log writes a step made: [step name, status, message]. */
export function stepLog(ddb: ReturnType<typeof mockTable>['ddb']): [string, string, string | undefined][] {
  return ddb
    .commandCalls(UpdateCommand)
    .filter((c) => String(c.args[0].input.Key?.sk).startsWith('PROVSTEP#'))
    .map((c) => {
      const values = c.args[0].input.ExpressionAttributeValues!;
      return [values[':name'], values[':status'], values[':message']];
    });
}

export const ctx = { customerId: 'cust-1', executionName: 'acme-cust-1' };

/**
 * A step handler as the Task of state `stateName` invokes it: statemachines/definition-loader.ts adds the
 * state's name to every Task's Payload, and the step kit logs progress under it (it knows no other name).
 */
export function asTask<O>(stateName: string, handler: (event: unknown) => Promise<O>): (input: object) => Promise<O> {
  return (input) => handler({ ...input, stepName: stateName });
}

/** An AWS SDK service error as the SDK raises it (the name is what handlers and the ASL match). */
export function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: {} });
}

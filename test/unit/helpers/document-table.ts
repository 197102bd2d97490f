/**
 * The table through a mocked DynamoDB document client, for the restore and fleet step tests written before the handler
 * tests moved to repository mocks (test/unit/lifecycle/helpers.ts). To be migrated like the others.
 */
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

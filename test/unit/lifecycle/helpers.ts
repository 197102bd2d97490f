import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { mockTable } from '../provisioning/helpers';

export { asTask, awsError, ctx, mockTable, stepLog } from '../provisioning/helpers';

type Table = ReturnType<typeof mockTable>['ddb'];

/** `$$.Execution.StartTime` of the execution under test. */
export const startTime = '2030-01-01T00:00:00.000Z';

/** A customer profile as DynamoDB holds it. */
export function profile(fields: Record<string, unknown> = {}) {
  return {
    pk: 'CUSTOMER#cust-1',
    sk: 'PROFILE',
    customerId: 'cust-1',
    email: 'ada@example.com',
    firstName: 'Ada',
    company: 'Acme',
    subdomain: 'acme.customers.stackpro.test',
    plan: 'starter',
    trialEndsAt: '2030-01-08T00:00:00.000Z',
    status: 'active',
    ...fields,
  };
}

export const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

export const transactionCancelled = () =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] });

/** The account claim succeeds and returns the profile with these fields. */
export function claimSucceeds(ddb: Table, fields: Record<string, unknown> = {}) {
  ddb.on(UpdateCommand, { ReturnValues: 'ALL_NEW' }).resolves({ Attributes: profile({ lifecycleExecutionName: 'acme-cust-1', ...fields }) });
}

/** The claim's condition fails; the profile read afterwards says why. */
export function claimRefused(ddb: Table, item: Record<string, unknown> | undefined) {
  ddb.on(UpdateCommand, { ReturnValues: 'ALL_NEW' }).rejects(conditionFailed());
  ddb.on(GetCommand, { Key: { pk: 'CUSTOMER#cust-1', sk: 'PROFILE' } }).resolves({ Item: item });
}

/** The profile (every GetItem on it), e.g. for the ownership check of polling steps. */
export function profileReads(ddb: Table, fields: Record<string, unknown> = {}) {
  ddb.on(GetCommand, { Key: { pk: 'CUSTOMER#cust-1', sk: 'PROFILE' } }).resolves({ Item: profile({ lifecycleExecutionName: 'acme-cust-1', ...fields }) });
}

export function infrastructureReads(ddb: Table, fields: Record<string, unknown>) {
  ddb.on(GetCommand, { Key: { pk: 'CUSTOMER#cust-1', sk: 'INFRASTRUCTURE' } }).resolves({ Item: { pk: 'CUSTOMER#cust-1', sk: 'INFRASTRUCTURE', ...fields } });
}

/** The one lifecycle transaction a step wrote: [profile update, infrastructure update]. */
export function transaction(ddb: Table) {
  const calls = ddb.commandCalls(TransactWriteCommand);
  expect(calls).toHaveLength(1);
  const [profileUpdate, infrastructureUpdate] = calls[0].args[0].input.TransactItems!.map((item) => item.Update!);
  return { profileUpdate, infrastructureUpdate };
}

/** An EC2 DescribeInstances answer with one instance. */
export function reservation(instance: { id?: string; state: string; ip?: string; rootVolume?: string; launched?: Date }) {
  return {
    Reservations: [
      {
        Instances: [
          {
            InstanceId: instance.id ?? 'i-1',
            State: { Name: instance.state as 'running' },
            PublicIpAddress: instance.ip,
            LaunchTime: instance.launched,
            RootDeviceName: '/dev/xvda',
            BlockDeviceMappings: instance.rootVolume ? [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: instance.rootVolume } }] : [],
          },
        ],
      },
    ],
  };
}

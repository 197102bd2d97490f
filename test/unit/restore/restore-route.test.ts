import { BackupClient, DescribeRecoveryPointCommand } from '@aws-sdk/client-backup';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { handler } from '../../../lambdas/api/restore-customer';
import type { Customer } from '../../../lambdas/core/customer';
import type * as CustomerPartition from '../../../lambdas/repositories/customer-partition';
import type * as Infrastructure from '../../../lambdas/repositories/infrastructure';
import type { ProvisioningStepRecord } from '../../../lambdas/repositories/provisioning-log';
import type * as Restores from '../../../lambdas/repositories/restores';
import { reservation } from '../lifecycle/helpers';

process.env.BACKUP_VAULT_NAME = 'CustomerVault';
process.env.VOLUME_ARN_PREFIX = 'arn:aws:ec2:us-east-1:000000000000:volume/';
process.env.RESTORE_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:RestoreCustomer';

// The customer's partition, infrastructure and RESTORE item as the repositories return them. The claim keeps what
// it sets under its condition (no restore running, or the running one stale), as test/unit/repositories/restores.test.ts
// proves on DynamoDB Local, so the burst below is decided as DynamoDB would decide it.
jest.mock('../../../lambdas/repositories/customer-partition', () => ({
  readCustomerPartition: async (customerId: string): ReturnType<typeof CustomerPartition.readCustomerPartition> =>
    customerId === CUSTOMER
      ? {
          profile: { customerId, status: profileStatus, plan: 'business', company: 'Acme', subdomain: 'acme.test', createdAt: '2026-01-01T00:00:00.000Z', provisioningExecutionName: 'acme-1' } as Customer,
          infrastructure: { instanceId: 'i-1' },
          steps,
        }
      : { steps: [] },
}));
jest.mock('../../../lambdas/repositories/infrastructure', () => ({
  getInfrastructure: async (customerId: string): ReturnType<typeof Infrastructure.getInfrastructure> => (customerId === CUSTOMER ? { instanceId: 'i-1' } : undefined),
}));
jest.mock('../../../lambdas/repositories/restores', () => ({
  getRestore: async (): ReturnType<typeof Restores.getRestore> => (restore ? { ...restore } : undefined),
  claimRestore: async (...[, claim, staleBefore]: Parameters<typeof Restores.claimRestore>): ReturnType<typeof Restores.claimRestore> => {
    claims += 1;
    if (restore?.state === 'running' && restore.requestedAt >= staleBefore) return false;
    restore = { ...claim, state: 'running', ...(restore?.formerVolumeIds ? { formerVolumeIds: restore.formerVolumeIds } : {}) };
    return true;
  },
  releaseRestore: async (...[, executionName]: Parameters<typeof Restores.releaseRestore>): ReturnType<typeof Restores.releaseRestore> => {
    if (restore?.executionName === executionName && restore.state === 'running') restore = { ...restore, state: 'rolled_back' };
  },
}));
const backup = mockClient(BackupClient);
const ec2 = mockClient(EC2Client);
const sfn = mockClient(SFNClient);

const CUSTOMER = '6c1f2a3b-0000-4000-8000-000000000001';
const POINT = 'snap-0123456789abcdef0';
let profileStatus: string;
let steps: ProvisioningStepRecord[];
/** The RESTORE item; the claim's condition is applied here, atomically as DynamoDB would. */
let restore: Restores.RestoreRecord | undefined;
/** Claims tried (won or lost). */
let claims: number;
/** Executions Step Functions knows: name -> input. */
let executions: Map<string, string>;

function request(body: unknown, customerId = CUSTOMER): APIGatewayProxyEvent {
  return {
    httpMethod: 'POST',
    resource: '/admin/customers/{customerId}/restore',
    path: `/admin/customers/${customerId}/restore`,
    pathParameters: { customerId },
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { identity: { userArn: 'arn:aws:iam::000000000000:user/operator' } },
  } as unknown as APIGatewayProxyEvent;
}
const answer = async (event: APIGatewayProxyEvent) => {
  const result = await handler(event, {} as never);
  return { status: result.statusCode, body: JSON.parse(result.body) };
};

beforeEach(() => {
  backup.reset();
  ec2.reset();
  sfn.reset();
  profileStatus = 'active';
  steps = [];
  restore = undefined;
  claims = 0;
  executions = new Map();
  ec2.on(DescribeInstancesCommand).resolves(reservation({ state: 'running', rootVolume: 'vol-0mine' }));
  backup.on(DescribeRecoveryPointCommand).resolves({ ResourceArn: 'arn:aws:ec2:us-east-1:000000000000:volume/vol-0mine', Status: 'COMPLETED' });
  sfn.on(StartExecutionCommand).callsFake(async (input: { name: string; input: string }) => {
    const known = executions.get(input.name);
    if (known !== undefined && known !== input.input) throw new ExecutionAlreadyExists({ message: 'exists', $metadata: {} });
    executions.set(input.name, input.input);
    return { executionArn: `arn:${input.name}`, startDate: new Date() };
  });
});

describe('POST /admin/customers/{id}/restore', () => {
  it('202: claims the restore and starts RestoreCustomer with the customer and the point', async () => {
    const { status, body } = await answer(request({ recoveryPointId: POINT }));

    expect(status).toBe(202);
    expect(body).toEqual({ customerId: CUSTOMER, recoveryPointId: POINT, executionName: expect.stringMatching(new RegExp(`^restore-${CUSTOMER}-\\d+$`)), changed: true });
    expect([...executions.values()].map((input) => JSON.parse(input))).toEqual([{ customerId: CUSTOMER, recoveryPointId: POINT }]);
    expect(restore).toMatchObject({ state: 'running', recoveryPointId: POINT, executionName: body.executionName });
  });

  it('burst: the same request 50 times at once starts one execution; every answer names it', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => answer(request({ recoveryPointId: POINT }))));

    expect(answers.every(({ status }) => status === 202)).toBe(true);
    expect(executions.size).toBe(1);
    expect(new Set(answers.map(({ body }) => body.executionName))).toEqual(new Set(executions.keys()));
    expect(answers.filter(({ body }) => body.changed)).toHaveLength(1);
  });

  it("another customer's recovery point answers 404 NOT_FOUND, like an unknown one, and starts nothing", async () => {
    backup.on(DescribeRecoveryPointCommand).resolves({ ResourceArn: 'arn:aws:ec2:us-east-1:000000000000:volume/vol-0theirs', Status: 'COMPLETED' });
    const theirs = await answer(request({ recoveryPointId: POINT }));
    backup.on(DescribeRecoveryPointCommand).rejects(Object.assign(new Error('gone'), { name: 'ResourceNotFoundException', $metadata: {} }));
    const unknown = await answer(request({ recoveryPointId: POINT }));

    expect(theirs).toEqual({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'No such recovery point.' } } });
    expect(unknown).toEqual(theirs);
    expect(executions.size).toBe(0);
    expect(restore).toBeUndefined();
  });

  it('409 WORKFLOW_RUNNING while another workflow runs on the customer, or a restore of another point', async () => {
    profileStatus = 'suspending';
    expect((await answer(request({ recoveryPointId: POINT }))).body.error.code).toBe('WORKFLOW_RUNNING');

    profileStatus = 'active';
    steps = [{ executionName: 'resize-1', workflowId: 'ResizeCustomer', name: 'Stop instance', status: 'running', startedAt: '2026-12-01T00:00:00.000Z' }];
    expect(await answer(request({ recoveryPointId: POINT }))).toMatchObject({ status: 409, body: { error: { code: 'WORKFLOW_RUNNING' } } });

    steps = [];
    restore = { executionName: 'restore-x', recoveryPointId: 'snap-0fffffffffffffff0', requestedAt: new Date().toISOString(), state: 'running' };
    expect(await answer(request({ recoveryPointId: POINT }))).toMatchObject({ status: 409, body: { error: { code: 'WORKFLOW_RUNNING' } } });
    expect(executions.size).toBe(0);
  });

  it('409 INVALID_STATE for a customer that is not live, or a point still being made', async () => {
    profileStatus = 'suspended';
    expect((await answer(request({ recoveryPointId: POINT }))).body.error.code).toBe('INVALID_STATE');
    profileStatus = 'active';
    backup.on(DescribeRecoveryPointCommand).resolves({ ResourceArn: 'arn:aws:ec2:us-east-1:000000000000:volume/vol-0mine', Status: 'CREATING' });
    expect((await answer(request({ recoveryPointId: POINT }))).body.error.code).toBe('INVALID_STATE');
    expect(executions.size).toBe(0);
  });

  it('abandoned: a claim whose request crashed before StartExecution is started by the next identical request', async () => {
    restore = { executionName: `restore-${CUSTOMER}-1`, recoveryPointId: POINT, requestedAt: new Date().toISOString(), state: 'running' };
    const { status, body } = await answer(request({ recoveryPointId: POINT }));
    expect(status).toBe(202);
    expect(body).toMatchObject({ executionName: `restore-${CUSTOMER}-1`, changed: false });
    expect([...executions.keys()]).toEqual([`restore-${CUSTOMER}-1`]);
  });

  it.each([
    [{}, 'recoveryPointId'],
    [{ recoveryPointId: 'rp-1' }, 'recoveryPointId'],
    [{ recoveryPointId: 42 }, 'recoveryPointId'],
    [{ recoveryPointId: POINT, extra: true }, 'extra'],
    [[POINT], 'body'],
  ])('malformed %j: 400 VALIDATION_FAILED naming %s, nothing claimed', async (body, field) => {
    const { status, body: error } = await answer(request(body));
    expect(status).toBe(400);
    expect(error.error.code).toBe('VALIDATION_FAILED');
    expect(error.error.details.map((detail: { field: string }) => detail.field)).toContain(field);
    expect(restore).toBeUndefined();
    expect(claims).toBe(0);
  });
});

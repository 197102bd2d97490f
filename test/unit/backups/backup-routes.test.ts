import { BackupClient, ListRecoveryPointsByResourceCommand, StartBackupJobCommand } from '@aws-sdk/client-backup';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as listBackups } from '../../../lambdas/api/list-customer-backups';
import { handler as startBackup } from '../../../lambdas/api/start-customer-backup';
import type { Customer } from '../../../lambdas/core/customer';
import type * as Accounts from '../../../lambdas/repositories/accounts';
import type * as Infrastructure from '../../../lambdas/repositories/infrastructure';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

process.env.BACKUP_VAULT_NAME = 'CustomerVault';
process.env.BACKUP_ROLE_ARN = 'arn:aws:iam::000000000000:role/BackupRole';
process.env.VOLUME_ARN_PREFIX = 'arn:aws:ec2:us-east-1:000000000000:volume/';

const getCustomer = jest.fn<ReturnType<typeof Accounts.getCustomer>, Parameters<typeof Accounts.getCustomer>>();
jest.mock('../../../lambdas/repositories/accounts', () => ({ getCustomer: (...args: Parameters<typeof Accounts.getCustomer>) => getCustomer(...args) }));
const getInfrastructure = jest.fn<ReturnType<typeof Infrastructure.getInfrastructure>, Parameters<typeof Infrastructure.getInfrastructure>>();
jest.mock('../../../lambdas/repositories/infrastructure', () => ({
  getInfrastructure: (...args: Parameters<typeof Infrastructure.getInfrastructure>) => getInfrastructure(...args),
}));
const ec2 = mockClient(EC2Client);
const backup = mockClient(BackupClient);

const customer = { customerId: 'cust-a', status: 'active', plan: 'business', subdomain: 'acme.customers.stackpro.test' } as Customer;
const instance = {
  InstanceId: 'i-0a',
  State: { Name: 'running' as const },
  RootDeviceName: '/dev/xvda',
  BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-0a' } }],
};
const point = (n: number, vault = 'CustomerVault') => ({
  RecoveryPointArn: `arn:aws:ec2:us-east-1::snapshot/snap-${String(n).padStart(8, '0')}`,
  CreationDate: new Date(Date.UTC(2026, 10, n)),
  Status: 'COMPLETED' as const,
  BackupSizeBytes: n * 1000,
  BackupVaultName: vault,
});

const list = (customerId = 'cust-a', caller = 'cust-a', cursor?: string) =>
  listBackups(
    apiEvent({ httpMethod: 'GET', path: `/customers/${customerId}/backups`, pathParameters: { customerId }, customerId: caller, queryStringParameters: cursor ? { cursor } : null }),
    lambdaContext,
  );
const backUp = (customerId = 'cust-a') => startBackup(apiEvent({ path: `/admin/customers/${customerId}/backups`, pathParameters: { customerId } }), lambdaContext);

beforeEach(() => {
  ec2.reset();
  backup.reset();
  getCustomer.mockReset().mockResolvedValue(customer);
  getInfrastructure.mockReset().mockResolvedValue({ instanceId: 'i-0a' });
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance] }] });
});

describe('GET /customers/{id}/backups', () => {
  it("lists the caller's recovery points of its data volume, newest first, from our vault only", async () => {
    backup.on(ListRecoveryPointsByResourceCommand).resolves({ RecoveryPoints: [point(1), point(3), point(2, 'SomeoneElsesVault'), point(2)] });
    const res = await list();
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({
      items: [
        { recoveryPointId: 'snap-00000003', createdAt: '2026-11-03T00:00:00.000Z', status: 'COMPLETED', sizeBytes: 3000 },
        { recoveryPointId: 'snap-00000002', createdAt: '2026-11-02T00:00:00.000Z', status: 'COMPLETED', sizeBytes: 2000 },
        { recoveryPointId: 'snap-00000001', createdAt: '2026-11-01T00:00:00.000Z', status: 'COMPLETED', sizeBytes: 1000 },
      ],
    });
    expect(backup.commandCalls(ListRecoveryPointsByResourceCommand)[0]!.args[0].input.ResourceArn).toBe('arn:aws:ec2:us-east-1:000000000000:volume/vol-0a');
  });

  it('reads every AWS page and hands out pages of 20 with a cursor that continues where the last ended', async () => {
    const points = Array.from({ length: 25 }, (_, i) => point(i + 1));
    backup.on(ListRecoveryPointsByResourceCommand).resolvesOnce({ RecoveryPoints: points.slice(0, 10), NextToken: 't' }).resolves({ RecoveryPoints: points.slice(10) });
    const first = bodyOf(await list());
    expect(first.items).toHaveLength(20);
    expect(first.items[0].recoveryPointId).toBe('snap-00000025');
    expect(typeof first.nextCursor).toBe('string');
    backup.on(ListRecoveryPointsByResourceCommand).resolves({ RecoveryPoints: points });
    const second = bodyOf(await list('cust-a', 'cust-a', first.nextCursor));
    expect(second.items.map((item: { recoveryPointId: string }) => item.recoveryPointId)).toEqual(['snap-00000005', 'snap-00000004', 'snap-00000003', 'snap-00000002', 'snap-00000001']);
    expect(second.nextCursor).toBeUndefined();
  });

  it("answers another customer's id exactly like an unknown one, without asking AWS Backup", async () => {
    const res = await list('cust-b', 'cust-a');
    expect(res.statusCode).toBe(404);
    expect(bodyOf(res).error.code).toBe('NOT_FOUND');
    expect(backup.calls()).toHaveLength(0);
  });

  it('refuses a cursor it did not give out with 400 VALIDATION_FAILED on cursor', async () => {
    const res = await list('cust-a', 'cust-a', 'not-a-cursor');
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'cursor' }] });
  });

  it('answers 403 EMAIL_NOT_VERIFIED before the email is verified', async () => {
    getCustomer.mockResolvedValue({ ...customer, status: 'pending_verification' });
    const res = await list();
    expect(res.statusCode).toBe(403);
    expect(bodyOf(res).error.code).toBe('EMAIL_NOT_VERIFIED');
    expect(backup.calls()).toHaveLength(0);
  });

  it('is empty while the customer has no server', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    expect(bodyOf(await list())).toEqual({ items: [] });
    expect(backup.calls()).toHaveLength(0);
  });
});

describe('POST /admin/customers/{id}/backups', () => {
  it("starts one AWS Backup job of the customer's volume, kept as long as its plan keeps backups, with the backup role", async () => {
    backup.on(StartBackupJobCommand).resolves({ BackupJobId: 'job-1' });
    const res = await backUp();
    expect(res.statusCode).toBe(202);
    expect(bodyOf(res)).toEqual({ backupJobId: 'job-1' });
    expect(backup.commandCalls(StartBackupJobCommand)[0]!.args[0].input).toMatchObject({
      BackupVaultName: 'CustomerVault',
      ResourceArn: 'arn:aws:ec2:us-east-1:000000000000:volume/vol-0a',
      IamRoleArn: 'arn:aws:iam::000000000000:role/BackupRole',
      Lifecycle: { DeleteAfterDays: 14 },
    });
  });

  it('sends the same idempotency token for 50 requests in the same minute (AWS Backup starts one job)', async () => {
    backup.on(StartBackupJobCommand).resolves({ BackupJobId: 'job-1' });
    const answers = await Promise.all(Array.from({ length: 50 }, () => backUp()));
    expect(new Set(answers.map((res) => bodyOf(res).backupJobId))).toEqual(new Set(['job-1']));
    const tokens = new Set(backup.commandCalls(StartBackupJobCommand).map((call) => call.args[0].input.IdempotencyToken));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).toMatch(/^cust-a-\d{4}-\d\d-\d\dT\d\d:\d\d$/);
  });

  it.each([['{"volumeId":"vol-other"}'], ['{'], ['[]'], ['{}']])('refuses the body %s with 400 VALIDATION_FAILED on body, and backs up nothing', async (body) => {
    const res = await startBackup({ ...apiEvent({ path: '/admin/customers/cust-a/backups', pathParameters: { customerId: 'cust-a' } }), body }, lambdaContext);
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'body' }] });
    expect(backup.calls()).toHaveLength(0);
  });

  it('answers 404 for an unknown customer and 409 INVALID_STATE for one without a server', async () => {
    getCustomer.mockResolvedValue(undefined);
    expect((await backUp('nobody')).statusCode).toBe(404);
    expect(getCustomer).toHaveBeenCalledWith('nobody');
    getCustomer.mockResolvedValue(customer);
    getInfrastructure.mockResolvedValue(undefined);
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const res = await backUp();
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res).error.code).toBe('INVALID_STATE');
    expect(backup.calls()).toHaveLength(0);
  });
});

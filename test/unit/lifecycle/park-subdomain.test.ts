import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as parkStep } from '../../../lambdas/lifecycle/park-subdomain';
import { asTask, ctx, customerLifecycle, profileReads, resetRepositories } from './helpers';

const park = asTask('Park subdomain', parkStep);

jest.mock('../../../lambdas/repositories/customer-lifecycle', () => jest.requireActual('./helpers').customerLifecycle);
jest.mock('../../../lambdas/repositories/provisioning-log', () => jest.requireActual('./helpers').provisioningLog);
const r53 = mockClient(Route53Client);
const subdomain = 'acme.customers.stackpro.test';

beforeEach(() => {
  r53.reset();
  resetRepositories();
  profileReads({ lifecycleExecutionName: ctx.executionName });
  r53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });
});

describe('Park subdomain (suspend)', () => {
  it("deletes the subdomain's A record with its exact current value, leaving DKIM records alone", async () => {
    const a = { Name: `${subdomain}.`, Type: 'A' as const, TTL: 60, ResourceRecords: [{ Value: '203.0.113.7' }] };
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [a], IsTruncated: true, MaxItems: 1 });
    await expect(park(ctx)).resolves.toEqual({ parked: true });
    expect(r53.commandCalls(ListResourceRecordSetsCommand)[0].args[0].input).toMatchObject({ StartRecordName: subdomain, StartRecordType: 'A', MaxItems: 1 });
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)[0].args[0].input.ChangeBatch!.Changes).toEqual([{ Action: 'DELETE', ResourceRecordSet: a }]);
  });

  it('succeeds without a change when there is no A record (already parked, or listing starts past it)', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [{ Name: `x._domainkey.${subdomain}.`, Type: 'CNAME', TTL: 1800, ResourceRecords: [{ Value: 'x.dkim.amazonses.com' }] }],
      IsTruncated: false,
      MaxItems: 1,
    });
    await expect(park(ctx)).resolves.toEqual({ parked: false });
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
  });

  it('touches nothing once a newer workflow (a resume) is in charge', async () => {
    profileReads({ lifecycleExecutionName: 'resume-later' });
    await expect(park(ctx)).rejects.toMatchObject({ name: 'StaleExecutionError' });
    expect(customerLifecycle.getLifecycleCustomer).toHaveBeenCalledWith('cust-1');
    expect(r53.calls()).toHaveLength(0);
  });
});

import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { CreateEmailIdentityCommand, DeleteEmailIdentityCommand, GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as checkDnsStep } from '../../../lambdas/provisioning/check-dns-change';
import { handler as createIdentityStep } from '../../../lambdas/provisioning/create-email-identity';
import { handler as deleteIdentityStep } from '../../../lambdas/provisioning/delete-email-identity';
import { handler as pointSubdomainStep } from '../../../lambdas/provisioning/point-subdomain';
import { handler as publishDkimStep } from '../../../lambdas/provisioning/publish-dkim-records';
import { handler as removeDnsStep } from '../../../lambdas/provisioning/remove-dns-records';
import { asTask, awsError, ctx, recordStep, resetRecordedSteps } from './helpers';

const checkDns = asTask('Check DNS change', checkDnsStep);
const createIdentity = asTask('Create email identity', createIdentityStep);
const deleteIdentity = asTask('Roll back: delete email identity', deleteIdentityStep);
const pointSubdomain = asTask('Point subdomain at instance', pointSubdomainStep);
const publishDkim = asTask('Publish DKIM records', publishDkimStep);
const removeDns = asTask('Roll back: remove DNS records', removeDnsStep);

jest.mock('../../../lambdas/repositories/provisioning-log', () => ({ recordStep: (...args: Parameters<typeof recordStep>) => recordStep(...args) }));
const ses = mockClient(SESv2Client);
const r53 = mockClient(Route53Client);
const subdomain = 'acme.customers.stackpro.test';

beforeEach(() => {
  ses.reset();
  r53.reset();
  resetRecordedSteps();
  r53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });
});

describe('Create email identity', () => {
  it('creates the identity with Easy DKIM and returns its tokens', async () => {
    ses.on(CreateEmailIdentityCommand).resolves({ DkimAttributes: { Tokens: ['t1', 't2', 't3'] } });
    await expect(createIdentity({ ...ctx, subdomain })).resolves.toEqual({ identity: subdomain, dkimTokens: ['t1', 't2', 't3'] });
    expect(ses.commandCalls(CreateEmailIdentityCommand)[0].args[0].input.Tags).toContainEqual({ Key: 'Customer', Value: 'cust-1' });
  });

  it('reads the existing identity when a retried step finds it already created', async () => {
    ses.on(CreateEmailIdentityCommand).rejects(awsError('AlreadyExistsException'));
    ses.on(GetEmailIdentityCommand).resolves({ DkimAttributes: { Tokens: ['t1', 't2', 't3'] } });
    await expect(createIdentity({ ...ctx, subdomain })).resolves.toMatchObject({ dkimTokens: ['t1', 't2', 't3'] });
  });

  it('lets a limit error through for rollback', async () => {
    ses.on(CreateEmailIdentityCommand).rejects(awsError('LimitExceededException'));
    await expect(createIdentity({ ...ctx, subdomain })).rejects.toMatchObject({ name: 'LimitExceededException' });
  });
});

describe('DNS records', () => {
  it('publishes the three DKIM CNAMEs with UPSERT', async () => {
    await publishDkim({ ...ctx, subdomain, dkimTokens: ['t1', 't2', 't3'] });
    const batch = r53.commandCalls(ChangeResourceRecordSetsCommand)[0].args[0].input;
    expect(batch.HostedZoneId).toBe('Z0HOSTEDZONE');
    expect(batch.ChangeBatch!.Changes!.map((c) => [c.Action, c.ResourceRecordSet!.Type, c.ResourceRecordSet!.Name, c.ResourceRecordSet!.ResourceRecords![0].Value])).toEqual([
      ['UPSERT', 'CNAME', `t1._domainkey.${subdomain}`, 't1.dkim.amazonses.com'],
      ['UPSERT', 'CNAME', `t2._domainkey.${subdomain}`, 't2.dkim.amazonses.com'],
      ['UPSERT', 'CNAME', `t3._domainkey.${subdomain}`, 't3.dkim.amazonses.com'],
    ]);
  });

  it('points the subdomain at the instance with an UPSERT of its A record', async () => {
    await expect(pointSubdomain({ ...ctx, subdomain, publicIp: '198.51.100.7' })).resolves.toEqual({ changeId: '/change/C1' });
    const change = r53.commandCalls(ChangeResourceRecordSetsCommand)[0].args[0].input.ChangeBatch!.Changes![0];
    expect(change).toMatchObject({ Action: 'UPSERT', ResourceRecordSet: { Name: subdomain, Type: 'A', TTL: 60, ResourceRecords: [{ Value: '198.51.100.7' }] } });
  });

  it('refuses an A record for something that is not an IPv4 address', async () => {
    await expect(pointSubdomain({ ...ctx, subdomain, publicIp: 'evil.example.com' })).rejects.toThrow();
    expect(r53.calls()).toHaveLength(0);
  });

  it('waits for the change to be INSYNC', async () => {
    r53.on(GetChangeCommand).resolvesOnce({ ChangeInfo: { Id: 'C1', Status: 'PENDING', SubmittedAt: new Date() } }).resolves({ ChangeInfo: { Id: 'C1', Status: 'INSYNC', SubmittedAt: new Date() } });
    await expect(checkDns({ ...ctx, subdomain, changeId: '/change/C1' })).rejects.toMatchObject({ name: 'NotReadyError', message: `The DNS change for ${subdomain} is still PENDING` });
    await expect(checkDns({ ...ctx, subdomain, changeId: '/change/C1' })).resolves.toEqual({ changeId: '/change/C1' });
  });
});

describe('Rollback of email and DNS', () => {
  it('deletes every record at or under the subdomain and stops at the first record past it', async () => {
    const record = (Name: string, Type: 'A' | 'CNAME', Value: string) => ({ Name: `${Name}.`, Type, TTL: 60, ResourceRecords: [{ Value }] });
    r53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [
        record(subdomain, 'A', '198.51.100.7'),
        record(`t1._domainkey.${subdomain}`, 'CNAME', 't1.dkim.amazonses.com'),
        record('acme2.customers.stackpro.test', 'A', '198.51.100.8'),
        record(`x.${subdomain}`, 'A', '198.51.100.9'),
      ],
      IsTruncated: false,
      MaxItems: 100,
    });
    await expect(removeDns({ ...ctx, subdomain })).resolves.toEqual({ removed: [`${subdomain} A`, `t1._domainkey.${subdomain} CNAME`] });
    const changes = r53.commandCalls(ChangeResourceRecordSetsCommand)[0].args[0].input.ChangeBatch!.Changes!;
    expect(changes.every((c) => c.Action === 'DELETE')).toBe(true);
    expect(changes[0].ResourceRecordSet!.ResourceRecords).toEqual([{ Value: '198.51.100.7' }]);
  });

  it('succeeds without a change when nothing was created', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [], IsTruncated: false, MaxItems: 100 });
    await expect(removeDns({ ...ctx, subdomain })).resolves.toEqual({ removed: [] });
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
  });

  it('treats a missing email identity as already deleted', async () => {
    ses.on(DeleteEmailIdentityCommand).rejects(awsError('NotFoundException'));
    await expect(deleteIdentity({ ...ctx, subdomain })).resolves.toEqual({ deleted: false });
  });
});

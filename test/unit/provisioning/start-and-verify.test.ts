import { GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as verifyEmail } from '../../../lambdas/provisioning/check-email-verification';
import { handler as start } from '../../../lambdas/provisioning/start-provisioning';
import { ctx, mockTable, stepLog } from './helpers';

const ses = mockClient(SESv2Client);
const table = mockTable();

beforeEach(() => {
  ses.reset();
  table.reset();
});

describe('Start provisioning', () => {
  it('hands later steps the plan, its instance type and the subdomain', async () => {
    table.ddb.on(GetCommand).resolves({ Item: { customerId: 'cust-1', plan: 'enterprise', subdomain: 'acme.x', provisioningExecutionName: ctx.executionName } });
    await expect(start(ctx)).resolves.toEqual({ plan: 'enterprise', instanceType: 't3.medium', subdomain: 'acme.x' });
  });

  it('stops an execution that is no longer in charge of the customer', async () => {
    table.ddb.on(GetCommand).resolves({ Item: { customerId: 'cust-1', plan: 'starter', subdomain: 'acme.x', provisioningExecutionName: 'newer-attempt' } });
    await expect(start(ctx)).rejects.toMatchObject({ name: 'StaleExecutionError' });
  });

  it('provisions nothing for a customer whose email is not verified, whoever started the execution', async () => {
    table.ddb.on(GetCommand).resolves({
      Item: { customerId: 'cust-1', plan: 'starter', subdomain: 'acme.x', status: 'pending_verification', provisioningExecutionName: ctx.executionName },
    });
    await expect(start(ctx)).rejects.toMatchObject({ name: 'StaleExecutionError' });
  });

  it('fails with CustomerNotFoundError when the signup was undone', async () => {
    await expect(start(ctx)).rejects.toMatchObject({ name: 'CustomerNotFoundError' });
  });
});

describe('Check email verification', () => {
  it('keeps waiting while SES has not verified DKIM', async () => {
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: false });
    await expect(verifyEmail({ ...ctx, subdomain: 'acme.x', polls: 0 })).resolves.toEqual({ done: false, polls: 1 });
    expect(table.ddb.commandCalls(UpdateCommand).filter((c) => c.args[0].input.Key?.sk === 'INFRASTRUCTURE')).toHaveLength(0);
  });

  it('turns the email service on once verified', async () => {
    ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: true });
    table.ddb.on(GetCommand).resolves({ Item: { services: { website: 'running', crm: 'running', email: 'pending_verification' } } });
    await expect(verifyEmail({ ...ctx, subdomain: 'acme.x', polls: 3 })).resolves.toEqual({ done: true, polls: 4 });
    const infra = table.ddb.commandCalls(UpdateCommand).find((c) => c.args[0].input.Key?.sk === 'INFRASTRUCTURE')!;
    expect(Object.values(infra.args[0].input.ExpressionAttributeValues!)).toContainEqual({ website: 'running', crm: 'running', email: 'running' });
    expect(stepLog(table.ddb)).toContainEqual(['Verify email domain', 'succeeded', 'acme.x verified: email is live']);
  });
});

import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CustomerTable } from '../../lib/customer-table';
import { grantFunctionAccess, type AccessTargets, type FunctionAccess } from '../../lib/function-access';
import { StackProFunction } from '../../lib/stackpro-function';
import { StripeKeys } from '../../lib/stripe-keys';

// A bare stack with only the always-present targets: what one access list gives one function, for a route
// and a step alike (the full stack's test pins each route's and step's IAM).
import { statementsOfRole, type Statement } from './iam-policies';

function synthFunction(accessList: readonly FunctionAccess[]): { environment: Record<string, unknown>; statements: Statement[] } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Access');
  const targets: AccessTargets = {
    table: new CustomerTable(stack, 'CustomerTable').table,
    stripeKeys: new StripeKeys(stack, 'StripeKeys'),
    settings: { customerDomain: 'stackpro.test', senderAddress: 'billing@stackpro.test' },
  };
  const fn = new StackProFunction(stack, 'Fn', { handler: 'api/get-health', description: 'any function' });
  grantFunctionAccess(fn, 'SomeFunction', accessList, targets);
  const template = Template.fromStack(stack);
  const fnId = stack.getLogicalId(fn.node.defaultChild as CfnElement);
  const roleId = stack.getLogicalId(fn.role!.node.defaultChild as CfnElement);
  const environment = (template.toJSON().Resources[fnId].Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
  const statements = statementsOfRole(template, roleId);
  return { environment, statements };
}

describe('grantFunctionAccess', () => {
  it('sets exactly the environment its access needs, beside the grants', () => {
    const { environment, statements } = synthFunction(['table:read', 'stripe', 'ses:send']);

    expect(environment).toHaveProperty('TABLE_NAME');
    expect(environment).toHaveProperty('STRIPE_SECRET_ID');
    expect(environment.SENDER_ADDRESS).toBe('billing@stackpro.test');
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'secretsmanager:GetSecretValue', 'ses:SendEmail']));
    expect(actions).not.toEqual(expect.arrayContaining(['dynamodb:PutItem']));
  });

  it('gives a function that declares nothing no grant (beyond its own logs and traces) and none of those variables', () => {
    const { environment, statements } = synthFunction([]);

    for (const name of ['TABLE_NAME', 'STRIPE_SECRET_ID', 'SENDER_ADDRESS']) expect(environment).not.toHaveProperty(name);
    expect(statements.flatMap((statement) => [statement.Action].flat()).filter((action) => !/^(xray|logs):/.test(action))).toEqual([]);
  });

  it('grants an access declared twice once', () => {
    expect(synthFunction(['table:write', 'table:write']).statements).toEqual(synthFunction(['table:write']).statements);
  });

  it('fails the synth, naming the function, when an access has nothing to be granted on', () => {
    expect(() => synthFunction(['signing-key:read'])).toThrow('SomeFunction declares signing-key:read');
    expect(() => synthFunction(['ec2:launch'])).toThrow('SomeFunction declares ec2:launch');
    // Scheduled jobs declare their access in the same vocabulary, checked the same way.
    expect(() => synthFunction(['billing-lapses:deprovision'])).toThrow('SomeFunction declares billing-lapses:deprovision');
    expect(() => synthFunction(['final-snapshots:delete'])).toThrow('SomeFunction declares final-snapshots:delete');
  });

  it("gives a scheduled job's access the same environment beside its grants", () => {
    const { environment, statements } = synthFunction(['abandoned-signups:remove']);

    expect(environment).toHaveProperty('TABLE_NAME');
    for (const name of ['STRIPE_SECRET_ID', 'DEPROVISION_STATE_MACHINE_ARN', 'PROVISIONING_STATE_MACHINE_ARN']) expect(environment).not.toHaveProperty(name);
    expect(statements.flatMap((statement) => [statement.Action].flat()).filter((action) => action.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:ConditionCheckItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
  });
});

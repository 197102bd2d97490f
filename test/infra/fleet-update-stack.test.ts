import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import cdkJson from '../../cdk.json';
import './handler-env';
import { applyNagChecks } from '../../lib/nag';
import { StackProStack } from '../../lib/stackpro-stack';
import { FLEET_UPDATE } from '../../statemachines/workflows';
import { statementsOfRole, type Statement } from './iam-policies';

// One synth of the whole app (the nested stack needs its parent); cdk-nag runs on both, and throws here on a finding.
let stack: StackProStack;
let main: Template;
let nested: Template;

beforeAll(() => {
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  stack = new StackProStack(app, 'StackPro');
  applyNagChecks(app);
  main = Template.fromStack(stack);
  nested = Template.fromStack(stack.fleetUpdate);
});

const actionsOf = (statements: Statement[]) => statements.flatMap((statement) => [statement.Action].flat());
/** Every statement of a step function's role, in the nested stack's template. */
const stepRole = (stepId: string) => {
  const fn = Object.values(stack.fleetUpdate.stepFunctions).find((candidate) => candidate.node.id === stepId)!;
  return statementsOfRole(nested, stack.fleetUpdate.resolve((fn.role!.node.defaultChild as CfnElement).logicalId) as string);
};

describe('FleetUpdateStack', () => {
  it('holds the state machine and one function per step, outside the main stack (which stays under 470 resources)', () => {
    nested.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    nested.resourceCountIs('AWS::Lambda::Function', Object.keys(FLEET_UPDATE.steps).length);
    main.resourceCountIs('AWS::CloudFormation::Stack', 1);
    expect(Object.keys(main.toJSON().Resources).length).toBeLessThanOrEqual(470);
    expect(JSON.stringify(nested.toJSON())).toContain('MaxConcurrencyPath');
  });

  it('sends Run Command only with the deploy document, only on instances tagged ManagedBy=stackpro, and only from the two steps that need it', () => {
    for (const stepId of ['StartCustomerUpdate', 'RollBackCustomerUpdate']) {
      const sends = stepRole(stepId).filter((statement) => actionsOf([statement]).includes('ssm:SendCommand'));
      expect(sends).toHaveLength(2);
      const [document, instances] = [sends.find((statement) => JSON.stringify(statement.Resource).includes(':document/')), sends.find((statement) => JSON.stringify(statement.Resource).includes(':instance/'))];
      expect(JSON.stringify(document?.Resource)).toContain('document/StackPro-DeployApplications');
      expect(document?.Condition).toBeUndefined();
      expect(instances?.Condition).toEqual({ StringEquals: { 'ssm:resourceTag/ManagedBy': 'stackpro' } });
    }
    for (const stepId of ['SelectFleetTargets', 'CheckAppUpdate', 'FinishCustomerUpdate', 'FinishFleetUpdate']) {
      expect(actionsOf(stepRole(stepId))).not.toContain('ssm:SendCommand');
    }
  });

  it('selects customers by a Query of the CustomersByStatus index; no step may Scan', () => {
    const select = stepRole('SelectFleetTargets');
    const query = select.find((statement) => JSON.stringify(statement.Resource).includes('/index/CustomersByStatus'));
    expect(actionsOf([query!])).toEqual(['dynamodb:Query']);
    for (const stepId of Object.values(FLEET_UPDATE.steps).map((step) => step.id)) expect(actionsOf(stepRole(stepId))).not.toContain('dynamodb:Scan');
  });

  it('lets the start route start this state machine only, and watches its failed and timed-out executions', () => {
    const route = stack.accountApi.routeFunctions.StartFleetUpdate!;
    const statements = statementsOfRole(main, stack.resolve((route.role!.node.defaultChild as CfnElement).logicalId) as string);
    const starts = statements.filter((statement) => actionsOf([statement]).includes('states:StartExecution'));
    expect(starts).toHaveLength(1);
    expect(JSON.stringify(starts[0]!.Resource)).toContain('FleetUpdate');
    expect(stack.operationsMonitoring.alarms.FleetUpdateExecutionsFailedAlarm).toBeDefined();
    expect(stack.operationsMonitoring.alarms.FleetUpdateExecutionsTimedOutAlarm).toBeDefined();
  });
});

import { readFileSync } from 'node:fs';
import { Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { grantItemRead } from './customer-table';
import { PROVISION_CUSTOMER, type WorkflowDefinition } from '../statemachines/workflows';
import { stateMachineFile } from './paths';
import { StackProFunction } from './stackpro-function';

/** What the workflow's steps touch. */
export interface ProvisioningWorkflowProps {
  /** The single table; each step is granted only the access its entry in the workflow table declares. */
  readonly table: dynamodb.ITable;
  /**
   * Which workflow to build; tests may pass a smaller one.
   * @default PROVISION_CUSTOMER
   */
  readonly workflow?: WorkflowDefinition;
}

/**
 * The ASL file's text, after checking that its `${...}` placeholders are exactly the workflow's step keys,
 * so a renamed placeholder fails the synth instead of the first execution.
 */
export function readDefinition(workflow: WorkflowDefinition): string {
  const file = stateMachineFile(workflow.file);
  const text = readFileSync(file, 'utf8');
  // A syntax error names the file here rather than deep inside CloudFormation.
  const definition = JSON.parse(text) as { TimeoutSeconds?: unknown };
  if (typeof definition.TimeoutSeconds !== 'number') {
    // A Standard execution may otherwise run for a year, holding a customer in "provisioning".
    throw new Error(`${file} must set a top-level TimeoutSeconds`);
  }
  const placeholders = new Set([...text.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1]));
  const keys = new Set(Object.keys(workflow.steps));
  const unknown = [...placeholders].filter((name) => !keys.has(name));
  const unused = [...keys].filter((key) => !placeholders.has(key));
  if (unknown.length > 0 || unused.length > 0) {
    throw new Error(
      `${file} and workflow ${workflow.id} disagree: placeholders without a step [${unknown.join(', ')}], ` +
        `steps without a placeholder [${unused.join(', ')}]`,
    );
  }
  return text;
}

/** State machine logs are kept a little longer than function logs: support reads them for customer tickets. */
const STATE_MACHINE_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

/**
 * The customer provisioning workflow: the ASL file under statemachines/ (the same one the local stack runs),
 * one small Lambda per step, and a Standard state machine (exactly-once steps, history kept for support).
 * Its timeout is the ASL's own `TimeoutSeconds` (CDK's `timeout` prop applies only to definitions built in
 * code), so the local stack and AWS enforce the same limit.
 */
export class ProvisioningWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  /** The step functions, keyed by their ASL substitution key. */
  readonly stepFunctions: Readonly<Record<string, StackProFunction>>;

  constructor(scope: Construct, id: string, props: ProvisioningWorkflowProps) {
    super(scope, id);
    const workflow = props.workflow ?? PROVISION_CUSTOMER;

    const stepFunctions: Record<string, StackProFunction> = {};
    for (const [substitutionKey, step] of Object.entries(workflow.steps)) {
      const fn = new StackProFunction(this, step.id, {
        handler: step.handler,
        description: `${workflow.id} step: ${step.id}`,
        environment: { TABLE_NAME: props.table.tableName },
      });
      if (step.access.includes('table:read')) grantItemRead(props.table, fn);
      if (step.access.includes('table:write')) props.table.grantWriteData(fn);
      stepFunctions[substitutionKey] = fn;
    }
    this.stepFunctions = stepFunctions;

    const logGroup = new logs.LogGroup(this, 'LogGroup', { retention: STATE_MACHINE_LOG_RETENTION });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      // Inline (fromString) rather than fromFile, which uploads the ASL as an S3 asset: the template stays
      // self-contained and `cdk diff` shows a changed state, not just a changed asset hash.
      definitionBody: sfn.DefinitionBody.fromString(readDefinition(workflow)),
      definitionSubstitutions: Object.fromEntries(
        Object.entries(stepFunctions).map(([key, fn]) => [key, fn.functionArn]),
      ),
      tracingEnabled: true,
      // Execution input carries customer data (PII): log every event, but never its input or output.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });

    // The ASL invokes each step by its unqualified ARN, so granting exactly those ARNs is enough (no `:*`).
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: Object.values(stepFunctions).map((fn) => fn.functionArn),
      }),
    );
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Added by aws-cdk-lib for X-Ray tracing (xray:PutTraceSegments etc.) and log delivery ' +
        '(logs:CreateLogDelivery etc.), which have no resource-level permissions.',
    });
  }

  /** Lets a function start executions (and nothing else); it also needs PROVISIONING_STATE_MACHINE_ARN. */
  grantStart(grantable: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantable);
  }
}

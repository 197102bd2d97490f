import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AccountApi } from './account-api';
import { CustomerTable } from './customer-table';
import { ProvisioningWorkflow } from './provisioning-workflow';
import { readSettings, type StackProSettings } from './settings';
import { SigningKey } from './signing-key';

/** Deployment settings can be passed in (tests); otherwise they are read from CDK context. */
export interface StackProStackProps extends StackProps {
  /** @default - read from CDK context by readSettings */
  readonly settings?: StackProSettings;
}

/**
 * The StackPro control plane: the customer table, the JWT signing key, the provisioning workflow and the
 * account API. Environment-agnostic (no account or region), so `cdk synth` runs offline without credentials.
 */
export class StackProStack extends Stack {
  readonly customerTable: CustomerTable;
  readonly signingKey: SigningKey;
  readonly provisioning: ProvisioningWorkflow;
  readonly accountApi: AccountApi;

  constructor(scope: Construct, id: string, props: StackProStackProps = {}) {
    super(scope, id, props);
    const settings = props.settings ?? readSettings(this);

    this.customerTable = new CustomerTable(this, 'CustomerTable');
    this.signingKey = new SigningKey(this, 'SigningKey');
    this.provisioning = new ProvisioningWorkflow(this, 'ProvisioningWorkflow', { table: this.customerTable.table });
    this.accountApi = new AccountApi(this, 'AccountApi', {
      table: this.customerTable.table,
      signingKey: this.signingKey,
      provisioning: this.provisioning,
      settings,
    });

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the account API (the frontend calls this)',
      value: this.accountApi.url,
    });
    new CfnOutput(this, 'ProvisioningStateMachineArn', {
      description: 'The customer provisioning state machine (operators start and inspect executions here)',
      value: this.provisioning.stateMachine.stateMachineArn,
    });
  }
}

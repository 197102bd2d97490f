import * as iam from 'aws-cdk-lib/aws-iam';
import { DependencyGroup, type Construct } from 'constructs';

/**
 * A role whose grants are written into the role itself (one inline policy, `access`) instead of a separate
 * `AWS::IAM::Policy` resource. Same permissions, one CloudFormation resource fewer per function: the stack
 * is bound by CloudFormation's 500-resource limit (README "Resource budget").
 *
 * An inline role policy may hold 10,240 characters; test/infra checks every role stays well below it.
 */
export class InlinePolicyRole extends iam.Role {
  private readonly access: iam.PolicyDocument;

  constructor(scope: Construct, id: string, props: iam.RoleProps) {
    const access = new iam.PolicyDocument();
    super(scope, id, { ...props, inlinePolicies: { ...props.inlinePolicies, access } });
    this.access = access;
  }

  override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.access.addStatements(statement);
    // Whatever waits on this grant waits on the role, which carries it.
    const policyDependable = new DependencyGroup();
    policyDependable.add(this);
    return { statementAdded: true, policyDependable };
  }
}

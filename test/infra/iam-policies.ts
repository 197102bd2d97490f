import type { Template } from 'aws-cdk-lib/assertions';

export type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: Record<string, Record<string, unknown>> };

/** One policy document attached to one role, wherever the template keeps it. */
export interface AttachedPolicy {
  /** Logical id of the role it is attached to. */
  readonly role: string;
  readonly statements: Statement[];
}

type PolicyResource = { Properties: { Roles?: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } } };
type RoleResource = { Properties: { Policies?: { PolicyDocument: { Statement: Statement[] } }[] } };

/**
 * Every policy of every role: separate AWS::IAM::Policy resources and the roles' own inline policies (our
 * functions' grants live in their role, lib/inline-policy-role.ts).
 */
export function attachedPolicies(template: Template): AttachedPolicy[] {
  const separate = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, PolicyResource>).flatMap((policy) =>
    (policy.Properties.Roles ?? []).map((role) => ({ role: role.Ref, statements: policy.Properties.PolicyDocument.Statement })),
  );
  const inline = Object.entries(template.findResources('AWS::IAM::Role') as Record<string, RoleResource>).flatMap(([role, resource]) =>
    (resource.Properties.Policies ?? []).map((policy) => ({ role, statements: policy.PolicyDocument.Statement })),
  );
  return [...separate, ...inline];
}

/** Every statement granted to the role with this logical id. */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  return attachedPolicies(template)
    .filter((policy) => policy.role === roleLogicalId)
    .flatMap((policy) => policy.statements);
}

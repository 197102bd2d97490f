import { Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * Child `AdminAccess` of `scope` (the AccountApi): the managed policy an operator attaches to their IAM
 * role to call the `iam` (admin) routes, SigV4-signed; exactly those methods. A function, not a construct
 * of its own, so the policy keeps its construct path (and logical id).
 */
export function createAdminAccessPolicy(scope: Construct, adminMethods: readonly apigw.Method[]): iam.ManagedPolicy {
  const policy = new iam.ManagedPolicy(scope, 'AdminAccess', {
    description: 'Lets an operator call the StackPro admin API routes (IAM-authorized, SigV4-signed).',
    statements: [new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: adminMethods.map((m) => m.methodArn) })],
  });
  // One finding per admin route: its only wildcard is a path parameter ({customerId}); method and route are fixed.
  for (const method of adminMethods) {
    const path = method.resource.path.replace(/\{[^}]+\}/g, '*');
    Validations.of(policy).acknowledge({
      id:
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<AccountApiRestApi34B2D91D>/' +
        `<AccountApiRestApiDeploymentStagev13799DE64>/${method.httpMethod}${path}]`,
      reason: 'The only wildcard is the {customerId} path parameter: an operator may act on any customer; the method and route are fixed.',
    });
  }
  return policy;
}

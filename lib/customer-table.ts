import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLE_DESIGN } from '../lambdas/repositories/table-design';

/** Nothing to configure yet: the key design comes from TABLE_DESIGN, shared with the local stack. */
export type CustomerTableProps = Readonly<Record<string, never>>;

/**
 * The single table that holds every customer's data (profile, email uniqueness, provisioning log, sessions).
 * It is the one thing in the stack that cannot be rebuilt, so it is retained on stack deletion, protected
 * against deletion, and continuously backed up.
 */
export class CustomerTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, _props: CustomerTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_DESIGN.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_DESIGN.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: TABLE_DESIGN.timeToLiveAttribute,
      // Signups come in bursts and are rare between them: pay per request, no capacity to tune.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // AWS managed key (aws/dynamodb): key use is visible in CloudTrail and nothing else has to be granted
      // to every function. A customer managed key would add key-policy work and per-request KMS cost for
      // control we do not need yet (no cross-account access, no crypto-shredding).
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
    });
  }
}

/**
 * Read access without Scan: every access pattern is a GetItem or a Query (README "Data model"), so no
 * function needs to read the whole table, and a bug or a compromised function cannot.
 */
export function grantItemRead(table: dynamodb.ITable, grantee: iam.IGrantable): iam.Grant {
  return table.grant(grantee, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable');
}

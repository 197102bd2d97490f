import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
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
    // Sparse: only unverified profiles carry these keys, so the clean-up Queries a handful of items.
    const pending = TABLE_DESIGN.pendingVerificationIndex;
    this.table.addGlobalSecondaryIndex({
      indexName: pending.indexName,
      partitionKey: { name: pending.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: pending.sortKey, type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
    const byStatus = TABLE_DESIGN.customersByStatusIndex;
    this.table.addGlobalSecondaryIndex({
      indexName: byStatus.indexName,
      partitionKey: { name: byStatus.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: byStatus.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: [...byStatus.projected],
    });
  }
}

/** Query on the CustomersByStatus index only (the operators' customer list); never the base table's Scan. */
export function grantCustomersByStatusQuery(table: dynamodb.ITable, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:Query'],
    resourceArns: [`${table.tableArn}/index/${TABLE_DESIGN.customersByStatusIndex.indexName}`],
  });
}

/**
 * Read access without Scan: every access pattern is a GetItem or a Query (README "Data model"), so no
 * function needs to read the whole table, and a bug or a compromised function cannot. The base table
 * only: the one index (PendingVerification) is granted by name to the job that reads it.
 */
export function grantItemRead(table: dynamodb.ITable, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable'],
    resourceArns: [table.tableArn],
  });
}

/** Item writes on the base table (grantWriteData would add `index/*` too, which nothing writes through). */
export function grantItemWrite(table: dynamodb.ITable, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:DescribeTable'],
    resourceArns: [table.tableArn],
  });
}

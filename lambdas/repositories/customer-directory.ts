import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import type { Customer, CustomerStatus } from '../core/customer';
import type { PlanName } from '../core/plans';
import { keys } from './keys';
import { TABLE_DESIGN } from './table-design';

/** One line of the operators' customer list: what the CustomersByStatus index projects. */
export interface CustomerListing {
  readonly customerId: string;
  readonly email: string;
  readonly company: string;
  readonly plan: PlanName;
  readonly status: CustomerStatus;
  readonly subdomain: string;
  readonly createdAt: string;
}

/** Where a page of one status partition stopped: the index keys and the table keys of its last item. */
export type PageKey = Readonly<Record<'pk' | 'sk' | 'status' | 'createdAt', string>>;

const INDEX = TABLE_DESIGN.customersByStatusIndex;

export function toListing(item: Record<string, unknown>): CustomerListing {
  return {
    customerId: item.customerId as string,
    email: item.email as string,
    company: item.company as string,
    plan: item.plan as PlanName,
    status: item.status as CustomerStatus,
    subdomain: item.subdomain as string,
    createdAt: item.createdAt as string,
  };
}

/**
 * One Query of the CustomersByStatus index: customers with `status`, newest first, at most `limit` read
 * (a `plan` filter may return fewer: DynamoDB filters after the limit), from `startKey`. Never a Scan.
 */
export async function queryCustomersByStatus(
  status: CustomerStatus,
  options: { limit: number; plan?: PlanName; startKey?: PageKey },
): Promise<{ items: CustomerListing[]; nextKey?: PageKey }> {
  const page = await dynamodb.send(
    new QueryCommand({
      TableName: config.tableName(),
      IndexName: INDEX.indexName,
      KeyConditionExpression: '#status = :status',
      ...(options.plan ? { FilterExpression: '#plan = :plan' } : {}),
      // status and plan are DynamoDB reserved words.
      ExpressionAttributeNames: { '#status': INDEX.partitionKey, ...(options.plan ? { '#plan': 'plan' } : {}) },
      ExpressionAttributeValues: { ':status': status, ...(options.plan ? { ':plan': options.plan } : {}) },
      ScanIndexForward: false,
      Limit: options.limit,
      ...(options.startKey ? { ExclusiveStartKey: { ...options.startKey } } : {}),
    }),
  );
  return { items: (page.Items ?? []).map(toListing), ...(page.LastEvaluatedKey ? { nextKey: page.LastEvaluatedKey as PageKey } : {}) };
}

/** The customer id an email or subdomain item points at (uniqueness items: one GetItem each). */
export async function customerIdBy(kind: 'email' | 'slug', value: string): Promise<string | undefined> {
  const { Item } = await dynamodb.send(
    new GetCommand({ TableName: config.tableName(), Key: kind === 'email' ? keys.credentials(value) : keys.slug(value), ProjectionExpression: 'customerId' }),
  );
  return typeof Item?.customerId === 'string' ? Item.customerId : undefined;
}

/** A customer profile as a list line. */
export function listingOf(customer: Customer): CustomerListing {
  return toListing(customer as unknown as Record<string, unknown>);
}

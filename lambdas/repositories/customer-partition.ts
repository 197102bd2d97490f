import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import type { Customer } from '../core/customer';
import type { CustomerUsage } from '../core/usage';
import type { Infrastructure } from './infrastructure';
import { keys } from './keys';
import { type ProvisioningStepRecord, toStepRecord } from './provisioning-log';

/** Everything the status route shows about one customer. */
export interface CustomerPartition {
  readonly profile?: Customer;
  readonly infrastructure?: Infrastructure;
  /** Every workflow step ever logged for the customer, all executions. */
  readonly steps: readonly ProvisioningStepRecord[];
  /** The usage job's latest measurement (lambdas/services/collect-usage.ts); absent until its first run. */
  readonly usage?: CustomerUsage;
}

const strip = ({ pk: _pk, sk: _sk, type: _type, ...rest }: Record<string, unknown>) => rest;

/**
 * The customer's whole partition (profile, infrastructure, step log) in ONE Query: the profile, its
 * infrastructure and its steps share the key `CUSTOMER#<id>`, so the status route makes one DynamoDB
 * request instead of three. A partition past 1 MB (years of workflows) pages, which stays correct.
 */
export async function readCustomerPartition(customerId: string): Promise<CustomerPartition> {
  let profile: Customer | undefined;
  let infrastructure: Infrastructure | undefined;
  const steps: ProvisioningStepRecord[] = [];
  let usage: CustomerUsage | undefined;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName: config.tableName(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.customer(customerId).pk },
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const sk = item.sk as string;
      if (sk === keys.customer(customerId).sk) profile = strip(item) as unknown as Customer;
      else if (sk === keys.infrastructure(customerId).sk) infrastructure = strip(item) as Infrastructure;
      else if (sk.startsWith('PROVSTEP#')) steps.push(toStepRecord(item));
      else if (sk === keys.usage(customerId).sk) usage = strip(item) as unknown as CustomerUsage;
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return { profile, infrastructure, steps, ...(usage ? { usage } : {}) };
}

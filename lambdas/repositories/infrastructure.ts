import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import { keys } from './keys';

/**
 * What the status route shows per service. `suspended`: the instance is stopped for billing (data kept);
 * `deleted`: the account was deprovisioned (only the final backup snapshot remains).
 */
export type ServiceState = 'provisioning' | 'running' | 'pending_verification' | 'failed' | 'suspended' | 'deleted';

/** What provisioning created for a customer: enough to operate it and to undo it. */
export interface Infrastructure {
  readonly instanceId?: string;
  readonly publicIp?: string;
  readonly services?: { readonly website: ServiceState; readonly crm: ServiceState; readonly email: ServiceState };
  /** The deploy command of the execution that sent it, so a retried step does not deploy twice. */
  readonly deployCommand?: { readonly executionName: string; readonly commandId: string };
  /** The resize's apps check of the execution that sent it, so a retried check polls instead of sending again. */
  readonly appsCheckCommand?: { readonly executionName: string; readonly commandId: string };
  /** The EBS snapshot DeprovisionCustomer took before terminating the instance (kept after cancellation). */
  readonly finalSnapshotId?: string;
  readonly updatedAt?: string;
}

export async function getInfrastructure(customerId: string): Promise<Infrastructure | undefined> {
  const { Item } = await dynamodb.send(
    new GetCommand({ TableName: config.tableName(), Key: keys.infrastructure(customerId), ConsistentRead: true }),
  );
  if (!Item) return undefined;
  const { pk: _pk, sk: _sk, type: _type, ...infrastructure } = Item;
  return infrastructure as Infrastructure;
}

/** Sets the given fields (others untouched), creating the item if needed. */
export async function updateInfrastructure(customerId: string, fields: Partial<Infrastructure>): Promise<void> {
  const entries = Object.entries({ ...fields, updatedAt: new Date().toISOString() }).filter(([, value]) => value !== undefined);
  await dynamodb.send(
    new UpdateCommand({
      TableName: config.tableName(),
      Key: keys.infrastructure(customerId),
      UpdateExpression: `SET #type = :type, ${entries.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
      ExpressionAttributeNames: { '#type': 'type', ...Object.fromEntries(entries.map(([name], i) => [`#f${i}`, name])) },
      ExpressionAttributeValues: { ':type': 'infrastructure', ...Object.fromEntries(entries.map(([, value], i) => [`:v${i}`, value])) },
    }),
  );
}

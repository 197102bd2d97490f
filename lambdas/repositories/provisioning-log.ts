import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import { keys } from './keys';

/** One line of a customer's provisioning story, as support and the status route read it. */
export interface ProvisioningLogEntry {
  readonly executionName: string;
  readonly step: string;
  readonly status: 'started' | 'succeeded' | 'failed';
  readonly at: string;
  readonly message?: string;
}

export async function appendProvisioningLog(customerId: string, entry: ProvisioningLogEntry): Promise<void> {
  await dynamodb.send(
    new PutCommand({
      TableName: config.tableName(),
      Item: { ...keys.provisioningLogEntry(customerId, entry.executionName, entry.step, entry.status), type: 'provisioningLog', ...entry },
    }),
  );
}

/** The log in time order (a Query on the customer's partition, never a Scan). */
export async function listProvisioningLog(customerId: string): Promise<ProvisioningLogEntry[]> {
  const entries: ProvisioningLogEntry[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName: config.tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.customer(customerId).pk, ':prefix': 'PROVLOG#' },
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      entries.push({ executionName: item.executionName, step: item.step, status: item.status, at: item.at, message: item.message });
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}

import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import { keys } from './keys';

export type StepStatus = 'running' | 'succeeded' | 'failed';

/** One step of a customer's workflow story (provisioning, suspend, ...), as support and the status route read it. */
export interface ProvisioningStepRecord {
  readonly executionName: string;
  /** The workflow the execution runs (`ProvisionCustomer`, `SuspendCustomer`, ...), when the step knew it. */
  readonly workflowId?: string;
  readonly name: string;
  readonly status: StepStatus;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly message?: string;
}

/**
 * Records a step's progress. One item per execution and step, updated in place: a retried or polled step
 * keeps its first start time and never appears twice.
 */
export async function recordStep(
  customerId: string,
  executionName: string,
  name: string,
  status: StepStatus,
  message?: string,
  now = new Date(),
  workflowId?: string,
): Promise<void> {
  const at = now.toISOString();
  const ended = status !== 'running';
  await dynamodb.send(
    new UpdateCommand({
      TableName: config.tableName(),
      Key: keys.provisioningStep(customerId, executionName, name),
      // All SET assignments first: REMOVE opens its own clause.
      UpdateExpression:
        'SET #type = :type, executionName = :execution, #name = :name, #status = :status, startedAt = if_not_exists(startedAt, :at)' +
        (message ? ', #message = :message' : '') +
        (workflowId ? ', workflowId = :workflow' : '') +
        (ended ? ', endedAt = :at' : ' REMOVE endedAt'),
      // name, status, type and message are DynamoDB reserved words.
      ExpressionAttributeNames: { '#type': 'type', '#name': 'name', '#status': 'status', ...(message ? { '#message': 'message' } : {}) },
      ExpressionAttributeValues: {
        ':type': 'provisioningStep',
        ':execution': executionName,
        ':name': name,
        ':status': status,
        ':at': at,
        ...(message ? { ':message': message } : {}),
        ...(workflowId ? { ':workflow': workflowId } : {}),
      },
    }),
  );
}

/** A step item as stored, to the record the status route and the failure steps read. */
export function toStepRecord(item: Record<string, unknown>): ProvisioningStepRecord {
  return {
    executionName: item.executionName as string,
    ...(item.workflowId ? { workflowId: item.workflowId as string } : {}),
    name: item.name as string,
    status: item.status as StepStatus,
    startedAt: item.startedAt as string,
    ...(item.endedAt ? { endedAt: item.endedAt as string } : {}),
    ...(item.message ? { message: item.message as string } : {}),
  };
}

/** The steps of one execution in the order they started (a Query on the customer's partition, no Scan). */
export async function listSteps(customerId: string, executionName: string): Promise<ProvisioningStepRecord[]> {
  const steps: ProvisioningStepRecord[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName: config.tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.customer(customerId).pk, ':prefix': keys.provisioningStepPrefix(executionName) },
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) steps.push(toStepRecord(item));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return steps.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/**
 * Marks every step of the execution still in progress as failed with `reason`: what a Catch path does
 * (rollback, give-up) for the state whose retries ran out, since that state cannot log its own end.
 */
export async function failRunningSteps(customerId: string, executionName: string, reason: string): Promise<void> {
  for (const step of await listSteps(customerId, executionName)) {
    if (step.status === 'running') await recordStep(customerId, executionName, step.name, 'failed', reason);
  }
}

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import type { CustomerStatus } from '../core/customer';
import { keys } from './keys';

/**
 * Moves a customer's status on behalf of one provisioning execution. The condition makes a stale
 * execution (superseded by an operator's retry) unable to touch the account. Returns false when the
 * execution is not the current one.
 */
export async function setProvisioningOutcome(
  customerId: string,
  executionName: string,
  status: Extract<CustomerStatus, 'active' | 'failed'>,
  failureReason?: string,
): Promise<boolean> {
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: config.tableName(),
        Key: keys.customer(customerId),
        UpdateExpression: failureReason
          ? 'SET #status = :status, failureReason = :reason, statusChangedAt = :now'
          : 'SET #status = :status, statusChangedAt = :now REMOVE failureReason',
        ConditionExpression: 'attribute_exists(pk) AND provisioningExecutionName = :execution',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ':execution': executionName,
          ':now': new Date().toISOString(),
          ...(failureReason ? { ':reason': failureReason } : {}),
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Starts a new provisioning attempt for a failed customer: the status goes back to `provisioning` and
 * the new execution becomes the one in charge. Refused (false) unless the customer is `failed`.
 */
export async function startProvisioningAttempt(customerId: string, attempt: number, executionName: string): Promise<boolean> {
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: config.tableName(),
        Key: keys.customer(customerId),
        UpdateExpression:
          'SET #status = :provisioning, provisioningAttempt = :attempt, provisioningExecutionName = :execution, statusChangedAt = :now REMOVE failureReason',
        ConditionExpression: 'attribute_exists(pk) AND #status = :failed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':provisioning': 'provisioning',
          ':failed': 'failed',
          ':attempt': attempt,
          ':execution': executionName,
          ':now': new Date().toISOString(),
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Remembers that the welcome email went out, so a retried step does not send it twice. */
export async function markWelcomeEmailSent(customerId: string): Promise<void> {
  await dynamodb.send(
    new UpdateCommand({
      TableName: config.tableName(),
      Key: keys.customer(customerId),
      UpdateExpression: 'SET welcomeEmailSentAt = if_not_exists(welcomeEmailSentAt, :now)',
      ExpressionAttributeValues: { ':now': new Date().toISOString() },
    }),
  );
}

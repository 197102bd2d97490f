import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import type { PlanChange } from '../core/customer';
import { keys } from './keys';

/** An update that may lose its condition: false then, instead of an error. */
async function conditional(command: UpdateCommand): Promise<boolean> {
  try {
    await dynamodb.send(command);
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Puts a plan change in charge of the account: only an active account on `change.from` with no change
 * pending, so of 50 requests at once exactly one wins (the rest re-read and see it pending).
 */
export async function claimPlanChange(customerId: string, change: PlanChange): Promise<boolean> {
  return conditional(
    new UpdateCommand({
      TableName: config.tableName(),
      Key: keys.customer(customerId),
      UpdateExpression: 'SET pendingPlan = :to, planChange = :change',
      ConditionExpression: 'attribute_exists(pk) AND #status = :active AND #plan = :from AND attribute_not_exists(pendingPlan)',
      ExpressionAttributeNames: { '#status': 'status', '#plan': 'plan' },
      ExpressionAttributeValues: { ':to': change.to, ':change': change, ':active': 'active', ':from': change.from },
    }),
  );
}

/** Stripe accepted the new price for this change. */
export async function markPlanChangeSent(customerId: string, changeId: string, at: string): Promise<boolean> {
  return conditional(
    new UpdateCommand({
      TableName: config.tableName(),
      Key: keys.customer(customerId),
      UpdateExpression: 'SET planChange.sentAt = :at',
      ConditionExpression: 'planChange.changeId = :id AND attribute_exists(pendingPlan)',
      ExpressionAttributeValues: { ':at': at, ':id': changeId },
    }),
  );
}

/** Stripe refused the change: the account is as it was, and the customer may try again. */
export async function releasePlanChange(customerId: string, changeId: string): Promise<boolean> {
  return conditional(
    new UpdateCommand({
      TableName: config.tableName(),
      Key: keys.customer(customerId),
      UpdateExpression: 'REMOVE pendingPlan, planChange',
      ConditionExpression: 'planChange.changeId = :id AND attribute_exists(pendingPlan)',
      ExpressionAttributeValues: { ':id': changeId },
    }),
  );
}

/** The resize finished: the account is on the new plan. A repeat (a retried step) changes nothing. */
export async function completePlanChange(customerId: string, changeId: string, at: string): Promise<boolean> {
  return conditional(
    new UpdateCommand({
      TableName: config.tableName(),
      Key: keys.customer(customerId),
      UpdateExpression: 'SET #plan = pendingPlan, planChange.completedAt = :at REMOVE pendingPlan',
      ConditionExpression: 'planChange.changeId = :id AND attribute_exists(pendingPlan)',
      ExpressionAttributeNames: { '#plan': 'plan' },
      ExpressionAttributeValues: { ':at': at, ':id': changeId },
    }),
  );
}

/**
 * The resize failed and the previous type is back: the plan stays, the reason is kept on `planChange`,
 * and the change is no longer pending, so support (or the customer, once the cause is fixed) can retry.
 */
export async function failPlanChange(customerId: string, changeId: string, reason: string): Promise<boolean> {
  return conditional(
    new UpdateCommand({
      TableName: config.tableName(),
      Key: keys.customer(customerId),
      UpdateExpression: 'SET planChange.failure = :reason REMOVE pendingPlan',
      ConditionExpression: 'planChange.changeId = :id AND attribute_exists(pendingPlan)',
      ExpressionAttributeValues: { ':reason': reason, ':id': changeId },
    }),
  );
}

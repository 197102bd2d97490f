import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import type { CustomerStatus } from '../core/customer';
import { keys } from './keys';

/** An operator's suspension: Stripe's events do not resume the account while it holds (README "Operators' CLI"). */
export interface OperatorHold {
  readonly at: string;
  /** The operator's IAM principal (API Gateway's userArn), for the audit trail. */
  readonly by: string;
}

/**
 * Moves the profile `from` one of the statuses `to` another in one conditional update, setting the operator
 * hold (suspend) or removing it (resume, `hold` undefined). False when the status was not one of `from`:
 * of 50 operators asking at once, one moves it.
 */
export async function transitionWithHold(customerId: string, from: readonly CustomerStatus[], to: CustomerStatus, hold: OperatorHold | undefined): Promise<boolean> {
  const values = Object.fromEntries(from.map((status, i) => [`:from${i}`, status]));
  const now = new Date().toISOString();
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: config.tableName(),
        Key: keys.customer(customerId),
        UpdateExpression: hold ? 'SET #status = :to, statusChangedAt = :now, operatorHold = :hold' : 'SET #status = :to, statusChangedAt = :now REMOVE operatorHold',
        ConditionExpression: `attribute_exists(pk) AND #status IN (${Object.keys(values).join(', ')})`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...values, ':to': to, ':now': now, ...(hold ? { ':hold': hold } : {}) },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

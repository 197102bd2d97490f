/** The customer record's status transitions: a provisioning attempt and its outcome, and the suspend/resume/deprovision claims. */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import type { Customer, CustomerStatus } from '../core/customer';
import { keys } from './keys';
import { cancellationCodes, withConflictRetry } from './transactions';

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

/**
 * The provisioning execution in charge found no EC2 capacity: the account says `waiting_for_capacity`.
 * Returns whether this started the wait (the account was `provisioning`), so the wait is counted once;
 * undefined when the execution is no longer in charge (or provisioning is over).
 */
export async function startCapacityWait(customerId: string, executionName: string): Promise<{ started: boolean } | undefined> {
  try {
    const result = await dynamodb.send(
      new UpdateCommand({
        TableName: config.tableName(),
        Key: keys.customer(customerId),
        UpdateExpression: 'SET #status = :waiting, statusChangedAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND provisioningExecutionName = :execution AND #status IN (:provisioning, :waiting)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':waiting': 'waiting_for_capacity', ':provisioning': 'provisioning', ':execution': executionName, ':now': new Date().toISOString() },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    return { started: result.Attributes?.status === 'provisioning' };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/** The server was launched after a capacity wait: the account is `provisioning` again (a no-op otherwise). */
export async function endCapacityWait(customerId: string, executionName: string): Promise<void> {
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: config.tableName(),
        Key: keys.customer(customerId),
        UpdateExpression: 'SET #status = :provisioning, statusChangedAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND provisioningExecutionName = :execution AND #status = :waiting',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':waiting': 'waiting_for_capacity', ':provisioning': 'provisioning', ':execution': executionName, ':now': new Date().toISOString() },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * Remembers that the welcome email went out, so a retried step does not send it twice. A profile deleted
 * meanwhile (the account closed) stays deleted: the update never creates a profile of only this field.
 */
export async function markWelcomeEmailSent(customerId: string): Promise<void> {
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: config.tableName(),
        Key: keys.customer(customerId),
        UpdateExpression: 'SET welcomeEmailSentAt = if_not_exists(welcomeEmailSentAt, :now)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': new Date().toISOString() },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * What the lifecycle workflows (suspend, resume, deprovision) keep on the profile besides `status`.
 * Billing's view comes from the webhook: `billing.subscriptionStatus` (see repositories/billing.ts); a
 * top-level `subscriptionStatus` or `billingStatus` is read too, for accounts written before that.
 */
export interface LifecycleFields {
  /** The lifecycle execution in charge of the account: the one started last wins (see claimLifecycle). */
  readonly lifecycleExecutionName?: string;
  /** Its `$$.Execution.StartTime` (ISO-8601, compared as a string). */
  readonly lifecycleStartedAt?: string;
  /** The execution that made the last status change, so a retried step knows the change was its own. */
  readonly statusChangedBy?: string;
  readonly statusChangedAt?: string;
  readonly suspendedAt?: string;
  readonly suspensionReason?: string;
  readonly resumedAt?: string;
  readonly cancelledAt?: string;
  readonly subscriptionStatus?: string;
  readonly billingStatus?: string;
  /** Written by the Stripe webhook (repositories/billing.ts); only the subscription status is read here. */
  readonly billing?: { readonly subscriptionStatus?: string | null } | null;
}

export type LifecycleCustomer = Customer & LifecycleFields;

/** The profile as the lifecycle steps read it (strongly consistent: they act on what they read). */
export async function getLifecycleCustomer(customerId: string): Promise<LifecycleCustomer | undefined> {
  const { Item } = await dynamodb.send(new GetCommand({ TableName: config.tableName(), Key: keys.customer(customerId), ConsistentRead: true }));
  if (!Item) return undefined;
  const { pk: _pk, sk: _sk, type: _type, ...customer } = Item;
  return customer as LifecycleCustomer;
}

export type ClaimResult =
  | { readonly outcome: 'claimed'; readonly customer: LifecycleCustomer }
  /** A lifecycle execution started after this one owns the account. */
  | { readonly outcome: 'superseded'; readonly customer: LifecycleCustomer }
  /** The account's status is not one this workflow may act on. */
  | { readonly outcome: 'wrong-status'; readonly customer: LifecycleCustomer }
  | { readonly outcome: 'missing' };

/**
 * Puts one lifecycle execution in charge of the account, if its status is one of `allowed` and no
 * execution started later holds it. Webhooks arrive out of order and each starts a workflow: whichever
 * was started last wins, and the others see they were superseded at their next step (assertLifecycleOwner).
 * A retried claim by the same execution succeeds again.
 */
export async function claimLifecycle(
  customerId: string,
  executionName: string,
  startedAt: string,
  allowed: readonly CustomerStatus[],
): Promise<ClaimResult> {
  const statuses = Object.fromEntries(allowed.map((status, i) => [`:allowed${i}`, status]));
  try {
    const { Attributes } = await dynamodb.send(
      new UpdateCommand({
        TableName: config.tableName(),
        Key: keys.customer(customerId),
        UpdateExpression: 'SET lifecycleExecutionName = :execution, lifecycleStartedAt = :startedAt',
        ConditionExpression:
          `attribute_exists(pk) AND #status IN (${Object.keys(statuses).join(', ')}) AND ` +
          '(attribute_not_exists(lifecycleStartedAt) OR lifecycleStartedAt <= :startedAt OR lifecycleExecutionName = :execution)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...statuses, ':execution': executionName, ':startedAt': startedAt },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const { pk: _pk, sk: _sk, type: _type, ...customer } = Attributes ?? {};
    return { outcome: 'claimed', customer: customer as LifecycleCustomer };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  const customer = await getLifecycleCustomer(customerId);
  if (!customer) return { outcome: 'missing' };
  const newer = customer.lifecycleExecutionName !== executionName && (customer.lifecycleStartedAt ?? '') > startedAt;
  return { outcome: newer ? 'superseded' : 'wrong-status', customer };
}

export interface LifecycleTransition {
  readonly customerId: string;
  readonly executionName: string;
  readonly to: CustomerStatus;
  /** Statuses the change may start from; omitted: any (reality wins, e.g. after resources were deleted). */
  readonly from?: readonly CustomerStatus[];
  /** More profile attributes to set with the status (`suspendedAt`, `suspensionReason`, ...). */
  readonly profile?: Readonly<Record<string, unknown>>;
  /** Infrastructure attributes to set in the same transaction (services, publicIp, finalSnapshotId). */
  readonly infrastructure: Readonly<Record<string, unknown>>;
  /** Infrastructure attributes to remove (a deprovisioned account has no public IP any more). */
  readonly infrastructureRemove?: readonly string[];
  /** Only the execution in charge (lifecycleExecutionName) may change the status. @default true */
  readonly requireOwner?: boolean;
}

export type TransitionResult =
  | { readonly outcome: 'changed'; readonly at: string }
  /** The condition failed (not the owner, or the status is not in `from`): the current profile, to decide. */
  | { readonly outcome: 'unchanged'; readonly customer: LifecycleCustomer | undefined };

/**
 * Changes the account's status and its infrastructure item in ONE transaction, so the status route never
 * shows a suspended account with running services (or the reverse). Only the execution in charge may do
 * it (lifecycleExecutionName), and only from the `from` statuses.
 */
export async function applyLifecycleTransition(transition: LifecycleTransition): Promise<TransitionResult> {
  const { customerId, executionName, to, from } = transition;
  const TableName = config.tableName();
  const at = new Date().toISOString();
  const fromValues = Object.fromEntries((from ?? []).map((status, i) => [`:from${i}`, status]));
  const profile = Object.entries(transition.profile ?? {});
  const infrastructure = Object.entries({ ...transition.infrastructure, updatedAt: at }).filter(([, value]) => value !== undefined);
  const removed = transition.infrastructureRemove ?? [];
  const conditions = [
    'attribute_exists(pk)',
    ...(transition.requireOwner === false ? [] : ['lifecycleExecutionName = :execution']),
    ...(from ? [`#status IN (${Object.keys(fromValues).join(', ')})`] : []),
  ];
  try {
    await withConflictRetry(() =>
      dynamodb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName,
                Key: keys.customer(customerId),
                UpdateExpression:
                  'SET #status = :to, statusChangedAt = :at, statusChangedBy = :execution' +
                  profile.map((_, i) => `, #p${i} = :p${i}`).join(''),
                ConditionExpression: conditions.join(' AND '),
                ExpressionAttributeNames: { '#status': 'status', ...Object.fromEntries(profile.map(([name], i) => [`#p${i}`, name])) },
                ExpressionAttributeValues: {
                  ':to': to,
                  ':at': at,
                  ':execution': executionName,
                  ...fromValues,
                  ...Object.fromEntries(profile.map(([, value], i) => [`:p${i}`, value])),
                },
              },
            },
            {
              Update: {
                TableName,
                Key: keys.infrastructure(customerId),
                UpdateExpression:
                  `SET #type = :type, ${infrastructure.map((_, i) => `#f${i} = :v${i}`).join(', ')}` +
                  (removed.length > 0 ? ` REMOVE ${removed.map((_, i) => `#r${i}`).join(', ')}` : ''),
                ExpressionAttributeNames: {
                  '#type': 'type',
                  ...Object.fromEntries(infrastructure.map(([name], i) => [`#f${i}`, name])),
                  ...Object.fromEntries(removed.map((name, i) => [`#r${i}`, name])),
                },
                ExpressionAttributeValues: { ':type': 'infrastructure', ...Object.fromEntries(infrastructure.map(([, value], i) => [`:v${i}`, value])) },
              },
            },
          ],
        }),
      ),
    );
    return { outcome: 'changed', at };
  } catch (error) {
    if (cancellationCodes(error)?.[0] !== 'ConditionalCheckFailed') throw error;
    return { outcome: 'unchanged', customer: await getLifecycleCustomer(customerId) };
  }
}

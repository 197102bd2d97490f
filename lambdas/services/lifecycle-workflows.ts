import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { stepFunctions } from '../clients/step-functions';
import { config } from '../config';
import type { CustomerStatus } from '../core/customer';

export async function startWorkflow(stateMachineArn: string, name: string, input: object): Promise<void> {
  await stepFunctions.send(new StartExecutionCommand({ stateMachineArn, name: name.slice(0, 80), input: JSON.stringify(input) }));
}

/** What the retention is counted from: the suspension, when the account is suspended already. */
export interface RetentionClock {
  readonly status: CustomerStatus;
  readonly suspendedAt?: string;
  /** Set by the lapse sweep when it deprovisions the account: the retention is over. */
  readonly lapseSweptAt?: string;
}

/**
 * Seconds of the retention period (`stackpro:billingRetentionDays`) still to wait. It runs from the
 * suspension when the account is suspended, so a subscription deleted after a long pause (by the customer,
 * or by the lapse sweep, which marks the account so both ask for the same execution) is not kept for a
 * second full period; otherwise from now.
 */
export function retentionSecondsLeft(account: RetentionClock, now: number): number {
  const full = config.billingRetentionDays() * 24 * 3600;
  if (account.status === 'suspended' && account.lapseSweptAt) return 0;
  const since = account.status === 'suspended' && account.suspendedAt ? Date.parse(account.suspendedAt) : NaN;
  if (Number.isNaN(since)) return full;
  return Math.max(0, Math.min(full, full - Math.floor((now - since) / 1000)));
}

/**
 * One deprovisioning per subscription: the execution name makes a repeated start (a redelivered event, the
 * webhook and the lapse sweep both asking) a no-op. Returns whether this call started it.
 */
export async function startDeprovisioning(customerId: string, subscriptionId: string, retentionSeconds: number): Promise<boolean> {
  try {
    await startWorkflow(config.deprovisionStateMachineArn(), `deprovision-${customerId}-${subscriptionId}`, { customerId, retentionSeconds });
    return true;
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) return false;
    throw error;
  }
}

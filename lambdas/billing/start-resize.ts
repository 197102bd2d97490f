import { ExecutionAlreadyExists } from '@aws-sdk/client-sfn';
import { config } from '../config';
import type { PlanChange } from '../core/customer';
import { startWorkflow } from '../services/lifecycle-workflows';

/** The resize execution's name: readable (target plan, customer) and one per plan change, so a repeat is a no-op. */
export function resizeExecutionName(customerId: string, change: Pick<PlanChange, 'to' | 'changeId'>): string {
  return `resize-${change.to}-${customerId}-${change.changeId}`;
}

/**
 * Starts the resize of a confirmed plan change (the webhook, or the route when Stripe already has the
 * price). A second start of the same change (a redelivered event, 50 webhooks at once) starts nothing.
 */
export async function startResize(customerId: string, change: Pick<PlanChange, 'from' | 'to' | 'changeId'>): Promise<boolean> {
  try {
    await startWorkflow(config.resizeStateMachineArn(), resizeExecutionName(customerId, change), {
      customerId,
      changeId: change.changeId,
      fromPlan: change.from,
      toPlan: change.to,
    });
    return true;
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) return false;
    throw error;
  }
}

import type { Customer } from '../core/customer';
import { NotFoundError } from '../core/errors';
import type { CustomerUsage } from '../core/usage';
import { readCustomerPartition } from '../repositories/customer-partition';
import type { Infrastructure, ServiceState } from '../repositories/infrastructure';
import type { ProvisioningStepRecord } from '../repositories/provisioning-log';
import type { WorkflowId } from '../../statemachines/workflows';

type StepView = Omit<ProvisioningStepRecord, 'executionName' | 'workflowId'>;

/** One execution's story: what the console shows, as the customer reads it. */
export interface WorkflowView {
  /**
   * The workflow's stable id, one of statemachines/workflows.ts (`ProvisionCustomer`, `SuspendCustomer`, ...), as
   * its steps recorded it; `Unknown` for steps logged before steps carried it, of another execution than provisioning.
   */
  readonly name: WorkflowId | 'Unknown';
  readonly executionName: string;
  readonly currentStep: string | null;
  readonly steps: readonly StepView[];
}

export interface CustomerStatusView {
  readonly customerId: string;
  readonly status: Customer['status'];
  readonly plan: Customer['plan'];
  /** The plan a change is moving to, until its resize has finished (absent when none is pending). */
  readonly pendingPlan?: Customer['plan'];
  /** Why the last plan change's resize failed (the server was put back on its previous type). */
  readonly planChangeFailure?: string;
  readonly company: string;
  readonly subdomain: string;
  readonly createdAt: string;
  /** null until the email is verified: the trial starts then. */
  readonly trialEndsAt: string | null;
  readonly publicIp: string | null;
  readonly services: { website: ServiceState; crm: ServiceState; email: ServiceState };
  readonly failureReason?: string;
  readonly billing: {
    readonly stripeCustomerId: string | null;
    readonly subscriptionStatus: string | null;
    readonly trialEndsAt: string | null;
    readonly currentPeriodEnd: string | null;
    readonly cancelAtPeriodEnd: boolean;
  };
  readonly provisioning: {
    readonly executionName: string;
    readonly attempt: number;
    readonly currentStep: string | null;
    readonly steps: readonly StepView[];
  };
  /** The workflow running now, or the one that ran last (provisioning, suspend, resume, deprovision, ...). */
  readonly workflow: WorkflowView | null;
  /** Measured usage (disk, data out this month, backups) with `measuredAt`; absent until first measured. */
  readonly usage?: CustomerUsage;
}

/** Services before provisioning has recorded any: what the customer should read while waiting. */
function servicesFor(customer: Customer, infrastructure: Infrastructure | undefined): CustomerStatusView['services'] {
  if (infrastructure?.services) return { ...infrastructure.services };
  // Nothing is provisioned before the email is verified: the services wait for it too.
  const state: ServiceState =
    customer.status === 'failed' ? 'failed' : customer.status === 'pending_verification' ? 'pending_verification' : 'provisioning';
  return { website: state, crm: state, email: state };
}

const stepView = ({ executionName: _execution, workflowId: _workflow, ...step }: ProvisioningStepRecord): StepView => step;

function currentStepOf(steps: readonly ProvisioningStepRecord[]): string | null {
  const running = steps.filter((step) => step.status === 'running');
  return running.length > 0 ? running[running.length - 1].name : null;
}

/**
 * The execution whose latest step moved last: the one running now, or the one that ran last. Steps of
 * an execution carry its workflow id (added by the ASL loader); the provisioning execution is known by
 * name for steps logged before that.
 */
function latestWorkflow(customer: Customer, steps: readonly ProvisioningStepRecord[]): WorkflowView | null {
  const lastMove = new Map<string, string>();
  for (const step of steps) {
    const at = step.endedAt && step.endedAt > step.startedAt ? step.endedAt : step.startedAt;
    if (at > (lastMove.get(step.executionName) ?? '')) lastMove.set(step.executionName, at);
  }
  const latest = [...lastMove.entries()].sort((a, b) => b[1].localeCompare(a[1]))[0]?.[0];
  if (!latest) return null;
  const own = steps.filter((step) => step.executionName === latest);
  const named = own.find((step) => step.workflowId)?.workflowId;
  return {
    // The loader adds `workflowId` from the same list (statemachines/definition-loader.ts), so it is a WorkflowId.
    name: (named as WorkflowId | undefined) ?? (latest === customer.provisioningExecutionName ? 'ProvisionCustomer' : 'Unknown'),
    executionName: latest,
    currentStep: currentStepOf(own),
    steps: own.map(stepView),
  };
}

/**
 * The customer's status page: account, services, the provisioning story and the latest workflow's, all
 * from one Query of the customer's partition. An unknown id is a 404 like any other.
 */
export async function customerStatus(customerId: string): Promise<CustomerStatusView> {
  const { profile: customer, infrastructure, steps: allSteps, usage } = await readCustomerPartition(customerId);
  if (!customer) throw new NotFoundError('customer');
  const byStart = [...allSteps].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const steps = byStart.filter((step) => step.executionName === customer.provisioningExecutionName);
  const services = servicesFor(customer, infrastructure);
  return {
    customerId: customer.customerId,
    status: customer.status,
    plan: customer.plan,
    ...(customer.pendingPlan ? { pendingPlan: customer.pendingPlan } : {}),
    ...(customer.planChange?.failure ? { planChangeFailure: customer.planChange.failure } : {}),
    company: customer.company,
    subdomain: customer.subdomain,
    createdAt: customer.createdAt,
    trialEndsAt: customer.trialEndsAt ?? null,
    publicIp: infrastructure?.publicIp ?? null,
    services,
    ...(customer.failureReason ? { failureReason: customer.failureReason } : {}),
    billing: {
      stripeCustomerId: customer.billing?.stripeCustomerId ?? null,
      subscriptionStatus: customer.billing?.subscriptionStatus ?? null,
      // Until Stripe has the subscription, the trial is the one signup started.
      trialEndsAt: customer.billing ? customer.billing.trialEndsAt : (customer.trialEndsAt ?? null),
      currentPeriodEnd: customer.billing?.currentPeriodEnd ?? null,
      cancelAtPeriodEnd: customer.billing?.cancelAtPeriodEnd ?? false,
    },
    provisioning: {
      executionName: customer.provisioningExecutionName,
      attempt: customer.provisioningAttempt ?? 1,
      currentStep: currentStepOf(steps),
      steps: steps.map(stepView),
    },
    workflow: latestWorkflow(customer, byStart),
    ...(usage ? { usage: usageView(usage) } : {}),
  };
}

/** Only the figures the job measured: a stored item's extra attributes never reach the customer. */
function usageView(usage: CustomerUsage): CustomerUsage {
  return {
    measuredAt: usage.measuredAt,
    ...(usage.diskUsedBytes === undefined ? {} : { diskUsedBytes: usage.diskUsedBytes }),
    ...(usage.dataTransferredOut ? { dataTransferredOut: { bytes: usage.dataTransferredOut.bytes, since: usage.dataTransferredOut.since } } : {}),
    ...(usage.backups
      ? { backups: { count: usage.backups.count, ...(usage.backups.totalBytes === undefined ? {} : { totalBytes: usage.backups.totalBytes }) } }
      : {}),
  };
}

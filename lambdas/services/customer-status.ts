import type { Customer } from '../core/customer';
import { getInfrastructure, type Infrastructure, type ServiceState } from '../repositories/infrastructure';
import { listSteps, type ProvisioningStepRecord } from '../repositories/provisioning-log';

export interface CustomerStatusView {
  readonly customerId: string;
  readonly status: Customer['status'];
  readonly plan: Customer['plan'];
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
    readonly steps: readonly Omit<ProvisioningStepRecord, 'executionName'>[];
  };
}

/** Services before provisioning has recorded any: what the customer should read while waiting. */
function servicesFor(customer: Customer, infrastructure: Infrastructure | undefined): CustomerStatusView['services'] {
  if (infrastructure?.services) return { ...infrastructure.services };
  // Nothing is provisioned before the email is verified: the services wait for it too.
  const state: ServiceState =
    customer.status === 'failed' ? 'failed' : customer.status === 'pending_verification' ? 'pending_verification' : 'provisioning';
  return { website: state, crm: state, email: state };
}

/** The customer's status page: account, services and the current execution's steps. */
export async function customerStatus(customer: Customer): Promise<CustomerStatusView> {
  const [infrastructure, steps] = await Promise.all([
    getInfrastructure(customer.customerId),
    listSteps(customer.customerId, customer.provisioningExecutionName),
  ]);
  const services = servicesFor(customer, infrastructure);
  const running = steps.filter((step) => step.status === 'running');
  return {
    customerId: customer.customerId,
    status: customer.status,
    plan: customer.plan,
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
      currentStep: running.length > 0 ? running[running.length - 1].name : null,
      steps: steps.map(({ executionName: _execution, ...step }) => step),
    },
  };
}

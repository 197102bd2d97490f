import type * as Accounts from '../../../lambdas/repositories/accounts';
import type * as BillingLapses from '../../../lambdas/repositories/billing-lapses';
import type * as CustomerLifecycle from '../../../lambdas/repositories/customer-lifecycle';
import type * as Infrastructure from '../../../lambdas/repositories/infrastructure';
import type * as ProvisioningLog from '../../../lambdas/repositories/provisioning-log';
import { recordStep } from '../provisioning/helpers';

export { asTask, awsError, ctx, recordedSteps } from '../provisioning/helpers';

/**
 * The repositories the lifecycle steps call, as jest functions: what they store (claims, the one transaction
 * of status and services, markers) is test/unit/repositories/'s. A test file mocks each module with these:
 * `jest.mock('../../../lambdas/repositories/customer-lifecycle', () => jest.requireActual('./helpers').customerLifecycle)`.
 */
export const customerLifecycle = {
  claimLifecycle: jest.fn<ReturnType<typeof CustomerLifecycle.claimLifecycle>, Parameters<typeof CustomerLifecycle.claimLifecycle>>(),
  getLifecycleCustomer: jest.fn<ReturnType<typeof CustomerLifecycle.getLifecycleCustomer>, Parameters<typeof CustomerLifecycle.getLifecycleCustomer>>(),
  applyLifecycleTransition: jest.fn<ReturnType<typeof CustomerLifecycle.applyLifecycleTransition>, Parameters<typeof CustomerLifecycle.applyLifecycleTransition>>(),
};
export const infrastructure = {
  getInfrastructure: jest.fn<ReturnType<typeof Infrastructure.getInfrastructure>, Parameters<typeof Infrastructure.getInfrastructure>>(),
  updateInfrastructure: jest.fn<ReturnType<typeof Infrastructure.updateInfrastructure>, Parameters<typeof Infrastructure.updateInfrastructure>>(),
};
export const billingLapses = {
  putLapseMarker: jest.fn<ReturnType<typeof BillingLapses.putLapseMarker>, Parameters<typeof BillingLapses.putLapseMarker>>(),
};
export const accounts = {
  getCustomer: jest.fn<ReturnType<typeof Accounts.getCustomer>, Parameters<typeof Accounts.getCustomer>>(),
};
export const provisioningLog = {
  recordStep,
  failRunningSteps: jest.fn<ReturnType<typeof ProvisioningLog.failRunningSteps>, Parameters<typeof ProvisioningLog.failRunningSteps>>(),
};

/** Every repository call forgotten; writes succeed, reads find nothing, until a test says otherwise. */
export function resetRepositories(): void {
  for (const mock of [...Object.values(customerLifecycle), ...Object.values(infrastructure), ...Object.values(billingLapses), ...Object.values(accounts)]) mock.mockReset();
  provisioningLog.recordStep.mockReset().mockResolvedValue(undefined);
  provisioningLog.failRunningSteps.mockReset().mockResolvedValue(undefined);
  customerLifecycle.claimLifecycle.mockResolvedValue({ outcome: 'missing' });
  customerLifecycle.getLifecycleCustomer.mockResolvedValue(undefined);
  customerLifecycle.applyLifecycleTransition.mockResolvedValue({ outcome: 'changed', at: '2030-01-01T00:00:05.000Z' });
  infrastructure.getInfrastructure.mockResolvedValue(undefined);
  infrastructure.updateInfrastructure.mockResolvedValue(undefined);
  billingLapses.putLapseMarker.mockResolvedValue(undefined);
  accounts.getCustomer.mockResolvedValue(undefined);
}

/** `$$.Execution.StartTime` of the execution under test. */
export const startTime = '2030-01-01T00:00:00.000Z';

/** A customer profile as the repositories answer it. */
export function profile(fields: Record<string, unknown> = {}): CustomerLifecycle.LifecycleCustomer {
  return {
    customerId: 'cust-1',
    email: 'ada@example.com',
    firstName: 'Ada',
    company: 'Acme',
    subdomain: 'acme.customers.stackpro.test',
    plan: 'starter',
    trialEndsAt: '2030-01-08T00:00:00.000Z',
    status: 'active',
    ...fields,
  } as CustomerLifecycle.LifecycleCustomer;
}

/** The account claim succeeds and returns the profile with these fields. */
export function claimSucceeds(fields: Record<string, unknown> = {}) {
  customerLifecycle.claimLifecycle.mockResolvedValue({ outcome: 'claimed', customer: profile({ lifecycleExecutionName: 'acme-cust-1', ...fields }) });
}

/** The claim is refused, for the reason the repository found (test/unit/repositories/customer-lifecycle.test.ts). */
export function claimRefused(outcome: 'superseded' | 'wrong-status' | 'missing', fields: Record<string, unknown> = {}) {
  customerLifecycle.claimLifecycle.mockResolvedValue(outcome === 'missing' ? { outcome } : { outcome, customer: profile(fields) });
}

/** The profile (every read of it), e.g. for the ownership check of polling steps. */
export function profileReads(fields: Record<string, unknown> = {}) {
  customerLifecycle.getLifecycleCustomer.mockResolvedValue(profile({ lifecycleExecutionName: 'acme-cust-1', ...fields }));
}

export function infrastructureReads(fields: Infrastructure.Infrastructure) {
  infrastructure.getInfrastructure.mockResolvedValue(fields);
}

/** The transition's condition failed; the repository answers the profile as it is now (undefined: gone). */
export function transitionRefused(fields: Record<string, unknown> | undefined) {
  customerLifecycle.applyLifecycleTransition.mockResolvedValue({ outcome: 'unchanged', customer: fields && profile({ lifecycleExecutionName: 'acme-cust-1', ...fields }) });
}

/** The one status-and-services transition a step asked for. */
export function transition(): CustomerLifecycle.LifecycleTransition {
  expect(customerLifecycle.applyLifecycleTransition).toHaveBeenCalledTimes(1);
  return customerLifecycle.applyLifecycleTransition.mock.calls[0][0];
}

/** An EC2 DescribeInstances answer with one instance. */
export function reservation(instance: { id?: string; state: string; ip?: string; rootVolume?: string; launched?: Date }) {
  return {
    Reservations: [
      {
        Instances: [
          {
            InstanceId: instance.id ?? 'i-1',
            State: { Name: instance.state as 'running' },
            PublicIpAddress: instance.ip,
            LaunchTime: instance.launched,
            RootDeviceName: '/dev/xvda',
            BlockDeviceMappings: instance.rootVolume ? [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: instance.rootVolume } }] : [],
          },
        ],
      },
    ],
  };
}

import type { Customer, PlanChange } from '../../../lambdas/core/customer';
import type { CustomerUsage } from '../../../lambdas/core/usage';
import type { CustomerPartition } from '../../../lambdas/repositories/customer-partition';

/**
 * The repositories a plan change goes through (accounts.getCustomer, customer-partition.readCustomerPartition,
 * plan-changes' claim / sent / release), in memory: profiles keep what the change writes, each write only under
 * the condition test/unit/repositories/plan-changes.test.ts proves on DynamoDB Local (the claim: an active
 * account on `change.from` with nothing pending; sent and release: only for the change in charge).
 */
export class FakePlanAccounts {
  private profiles = new Map<string, Record<string, unknown>>();
  private usage = new Map<string, CustomerUsage>();
  /** Plan-change writes as made, and whether their condition held. */
  readonly writes: { readonly write: 'claim' | 'sent' | 'release'; readonly customerId: string; readonly changeId: string; readonly applied: boolean }[] = [];
  /** Runs once just before the next claim is decided: another request acting between a read and a claim. */
  beforeNextClaim?: () => void;

  reset(profiles: readonly Record<string, unknown>[] = [], usage: Record<string, CustomerUsage> = {}): void {
    this.profiles = new Map(profiles.map((profile) => [String(profile.customerId), structuredClone(profile)]));
    this.usage = new Map(Object.entries(usage));
    this.writes.length = 0;
    this.beforeNextClaim = undefined;
  }

  /** The profile as stored now. */
  profile(customerId: string): Record<string, unknown> | undefined {
    return this.profiles.get(customerId);
  }

  readonly getCustomer = async (customerId: string): Promise<Customer | undefined> => {
    const profile = this.profiles.get(customerId);
    return profile ? (structuredClone(profile) as unknown as Customer) : undefined;
  };

  readonly readCustomerPartition = async (customerId: string): Promise<CustomerPartition> => {
    const usage = this.usage.get(customerId);
    return { profile: await this.getCustomer(customerId), steps: [], ...(usage ? { usage } : {}) };
  };

  readonly claimPlanChange = async (customerId: string, change: PlanChange): Promise<boolean> => {
    const before = this.beforeNextClaim;
    this.beforeNextClaim = undefined;
    before?.();
    const profile = this.profiles.get(customerId);
    const applied = profile !== undefined && profile.status === 'active' && profile.plan === change.from && profile.pendingPlan === undefined;
    if (applied) Object.assign(profile, { pendingPlan: change.to, planChange: structuredClone(change) });
    this.writes.push({ write: 'claim', customerId, changeId: change.changeId, applied });
    return applied;
  };

  readonly markPlanChangeSent = async (customerId: string, changeId: string, at: string): Promise<boolean> => {
    const change = this.inCharge(customerId, changeId);
    if (change) change.sentAt = at;
    this.writes.push({ write: 'sent', customerId, changeId, applied: change !== undefined });
    return change !== undefined;
  };

  readonly releasePlanChange = async (customerId: string, changeId: string): Promise<boolean> => {
    const profile = this.inCharge(customerId, changeId) ? this.profiles.get(customerId) : undefined;
    if (profile) {
      delete profile.pendingPlan;
      delete profile.planChange;
    }
    this.writes.push({ write: 'release', customerId, changeId, applied: profile !== undefined });
    return profile !== undefined;
  };

  private inCharge(customerId: string, changeId: string): { -readonly [K in keyof PlanChange]: PlanChange[K] } | undefined {
    const profile = this.profiles.get(customerId);
    const change = profile?.planChange as { -readonly [K in keyof PlanChange]: PlanChange[K] } | undefined;
    return profile?.pendingPlan !== undefined && change?.changeId === changeId ? change : undefined;
  }
}

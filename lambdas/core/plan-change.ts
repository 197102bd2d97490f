import type { FieldIssue } from './errors';
import { PLANS, type PlanName } from './plans';
import type { CustomerUsage } from './usage';

const GIB = 1024 ** 3;

/**
 * What a downgrade must check: one rule per plan-gated thing the account can be measured using. Today the
 * one measured limit is storage (the usage job's `disk_used` against the target plan's volume); messaging is
 * plan-gated too, but nothing measures its use yet, so it has no rule (add one here when it does).
 */
interface PlanRule {
  readonly field: string;
  /** A message when `usage` exceeds what `target` includes, else undefined. Unmeasured use never blocks. */
  readonly check: (target: PlanName, usage: CustomerUsage | undefined) => string | undefined;
}

export const PLAN_RULES: readonly PlanRule[] = [
  {
    field: 'usage.diskUsedBytes',
    check: (target, usage) => {
      const used = usage?.diskUsedBytes;
      const limit = PLANS[target].volumeGb * GIB;
      if (used === undefined || used <= limit) return undefined;
      return `${(used / GIB).toFixed(1)} GiB of disk used; ${target} includes ${PLANS[target].volumeGb} GiB.`;
    },
  },
];

/** Why the account cannot move down to `target`: empty when nothing it uses is above the target's limits. */
export function planChangeBlockers(target: PlanName, usage: CustomerUsage | undefined): FieldIssue[] {
  return PLAN_RULES.flatMap((rule) => {
    const message = rule.check(target, usage);
    return message ? [{ field: rule.field, message }] : [];
  });
}

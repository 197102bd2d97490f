import type { PlanName } from '../lambdas/core/plans';

/**
 * What the cost report cannot read from the code: how much a customer uses, and the business plan's own
 * table. Usage, not prices (those are in bench/prices.json); each figure says why it was chosen, and the
 * report prints every one beside the line it drives. Change them here when measured usage (issue 9's
 * `usage` figures) says otherwise.
 */
export interface PlanUsage {
  /** Disk actually used (GB): what an incremental snapshot chain stores first. */
  readonly usedDiskGb: number;
  /** Bytes out to the internet per month (GB): websites, webmail, CRM. */
  readonly dataOutGb: number;
  /** Emails the customer's mail and CRM send through SES per month. */
  readonly emailsPerMonth: number;
  /** Queries for the customer's A record per month (non-alias record, TTL-bound by resolvers). */
  readonly dnsQueriesPerMonth: number;
  /** VPC flow log volume per server per month (GB): the flow log records ALL traffic. */
  readonly flowLogGb: number;
}

export const USAGE: Readonly<Record<PlanName, PlanUsage>> = {
  // A small business site with CRM: little traffic, a few thousand mails (newsletters count).
  starter: { usedDiskGb: 8, dataOutGb: 25, emailsPerMonth: 3_000, dnsQueriesPerMonth: 200_000, flowLogGb: 0.3 },
  business: { usedDiskGb: 20, dataOutGb: 75, emailsPerMonth: 10_000, dnsQueriesPerMonth: 500_000, flowLogGb: 0.6 },
  enterprise: { usedDiskGb: 45, dataOutGb: 200, emailsPerMonth: 30_000, dnsQueriesPerMonth: 1_000_000, flowLogGb: 1.2 },
};

export const FLEET = {
  /** Customers that share the fixed costs (hosted zone, signing-key secrets, scheduled sweeps). */
  customers: 1_000,
  /** Months a customer stays: the one-off provisioning is spread over them. */
  lifetimeMonths: 24,
  /** Fraction of a customer's used disk that changes per day: what each daily incremental snapshot adds. */
  dailyChangeRate: 0.02,
  /** Status-page reads per customer per month (API Gateway + the status Lambda), polling while provisioning included. */
  statusReadsPerMonth: 2_000,
  /** What one Lambda invocation bills in AWS (warm, SDK round trips): the bench's ASSUMED_INVOCATION_MS. */
  invocationMs: 200,
  /** Log retention of the flow log group (lib/customer-instances.ts: ONE_MONTH), in months of storage. */
  flowLogRetentionMonths: 1,
} as const;

/**
 * The business plan's table: price per plan and the "95% margins" claim, with what it sells (storage
 * 20 / 50 / 100 GB, backups kept 7 / 14 / 30 days, issue 9). A naive estimate prices only the server and
 * the storage as sold; everything else the report adds is what such an estimate misses.
 */
export const BUSINESS_PLAN = {
  claimedMargin: 0.95,
  plans: {
    starter: { priceUsd: 299, storageGb: 20, backupDays: 7 },
    business: { priceUsd: 599, storageGb: 50, backupDays: 14 },
    enterprise: { priceUsd: 1_299, storageGb: 100, backupDays: 30 },
  },
} as const satisfies { claimedMargin: number; plans: Record<PlanName, { priceUsd: number; storageGb: number; backupDays: number }> };

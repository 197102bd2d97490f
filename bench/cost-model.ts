import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT_VOLUME } from '../lib/customer-instances';
import { DEFAULT_FINAL_SNAPSHOT_RETENTION_DAYS } from '../lib/settings';
import { PLAN_NAMES, PLANS, type PlanName } from '../lambdas/core/plans';
import { SCHEDULED_JOBS } from '../lambdas/scheduled/jobs';
import { BUSINESS_PLAN, FLEET, USAGE } from './cost-assumptions';
import { loadPriceSheet, priceOf, type PriceSheet, stepMemoryMb } from './prices';
import { happyPathCounts, type HappyPathCounts } from './provisioning-model';

/** vCPUs and baseline utilisation per vCPU of the plans' T3 types (EC2 burstable performance instances docs). */
const T3_CPU = {
  't3.micro': { vcpus: 2, baseline: 0.1 },
  't3.small': { vcpus: 2, baseline: 0.2 },
  't3.medium': { vcpus: 2, baseline: 0.2 },
} as const;

/** Hours AWS bills a month of an always-on resource by (8,760 / 12). */
export const HOURS_PER_MONTH = 730;

/**
 * `created`: the code makes it today. `not built`: the business plan sells it but no code creates it yet (its
 * price is shown, not added). `risk`: billed only past a threshold (shown at its worst, not added).
 */
export type LineKind = 'created' | 'not built' | 'risk';

export interface CostLine {
  readonly id: string;
  readonly label: string;
  readonly usdPerMonth: number;
  /** The formula with its inputs, as printed. */
  readonly basis: string;
  readonly kind: LineKind;
  /** Whether a naive estimate (server + storage as sold) includes this line; false is a flag. */
  readonly inNaiveEstimate: boolean;
  /** Why a naive estimate misses it, or what is off. */
  readonly flag?: string;
}

export interface PlanCost {
  readonly plan: PlanName;
  readonly priceUsd: number;
  readonly lines: readonly CostLine[];
  /** The `created` lines: what this plan costs us a month today. */
  readonly totalUsd: number;
  readonly marginPct: number;
  /** Plus the `not built` lines: once the business plan's promises (daily backups) exist. */
  readonly totalWhenBuiltUsd: number;
  readonly marginWhenBuiltPct: number;
  /** Server + storage as sold: what a naive estimate adds up. */
  readonly naiveUsd: number;
  readonly naiveMarginPct: number;
  /** The business plan's 95% margin leaves this much for all costs. */
  readonly allowanceUsd: number;
  readonly meetsClaim: boolean;
}

export interface CostInputs {
  readonly sheet: PriceSheet;
  readonly provisioning: HappyPathCounts;
  readonly stepMemoryMb: number;
  /** Secrets Manager secrets the stack creates (lib/), a fixed cost shared by every customer. */
  readonly stackSecrets: number;
}

export interface CostReport {
  readonly region: string;
  readonly pricesRead: readonly string[];
  readonly inputs: {
    readonly rootVolume: { readonly sizeGiB: Readonly<Record<PlanName, number>>; readonly type: string; readonly source: string };
    readonly provisioning: HappyPathCounts & { readonly source: string };
    readonly stepMemoryMb: number;
    readonly stackSecrets: number;
    readonly fleet: typeof FLEET;
    readonly usage: typeof USAGE;
    readonly businessPlan: typeof BUSINESS_PLAN;
    readonly finalSnapshotRetentionDays: number;
  };
  readonly plans: readonly PlanCost[];
}

const LIB = path.resolve(__dirname, '..', 'lib');

/** Secrets Manager secrets the CDK code creates: `new secretsmanager.Secret(` in lib/. */
export function countStackSecrets(dir = LIB): number {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.ts'))
    .reduce((sum, file) => sum + (readFileSync(path.join(dir, file), 'utf8').match(/new secretsmanager\.Secret\(/g)?.length ?? 0), 0);
}

/** Everything the report reads from the code and the data file. */
export function loadCostInputs(): CostInputs {
  return { sheet: loadPriceSheet(), provisioning: happyPathCounts(), stepMemoryMb: stepMemoryMb().mb, stackSecrets: countStackSecrets() };
}

const pct = (cost: number, price: number) => ((price - cost) / price) * 100;
const money = (usd: number) => `$${usd < 0.01 ? usd.toPrecision(2) : usd.toFixed(2)}`;

/** One plan's monthly lines: each a price from the sheet times a quantity from the code or cost-assumptions.ts. */
export function planLines(plan: PlanName, inputs: CostInputs): CostLine[] {
  const p = (key: string) => priceOf(inputs.sheet, key);
  const usage = USAGE[plan];
  const sold = BUSINESS_PLAN.plans[plan];
  const { instanceType } = PLANS[plan];
  // Launch instance sizes the root volume by plan (lambdas/provisioning/launch-instance.ts), the resize grows it.
  const volumeGiB: number = PLANS[plan].volumeGb;
  const largestGiB = Math.max(...Object.values(PLANS).map((one) => one.volumeGb));
  const gb = inputs.stepMemoryMb / 1024;
  const invocation = p('lambda.request') + (FLEET.invocationMs / 1000) * gb * p('lambda.armGbSecond');
  const { transitions, invocations } = inputs.provisioning;
  const provisioningOnce = transitions * p('stepFunctions.standardTransition') + invocations * invocation;
  const jobRunsPerMonth = SCHEDULED_JOBS.reduce((sum, job) => sum + (30 * 24 * 60) / job.everyMinutes, 0);
  const t3 = T3_CPU[instanceType];
  const snapshotGb = usage.usedDiskGb * (1 + FLEET.dailyChangeRate * sold.backupDays);

  return [
    {
      id: 'instance',
      label: `EC2 ${instanceType}, on-demand`,
      usdPerMonth: p(`ec2.${instanceType}`) * HOURS_PER_MONTH,
      basis: `${p(`ec2.${instanceType}`)}/h x ${HOURS_PER_MONTH} h`,
      kind: 'created',
      inNaiveEstimate: true,
    },
    {
      id: 'rootVolume',
      label: `EBS ${ROOT_VOLUME.type} root volume, ${volumeGiB} GiB`,
      usdPerMonth: p(`ebs.${ROOT_VOLUME.type}`) * volumeGiB,
      basis: `${p(`ebs.${ROOT_VOLUME.type}`)}/GB-month x ${volumeGiB} GiB (lambdas/core/plans.ts volumeGb, as Launch instance and the resize size it)`,
      kind: 'created',
      inNaiveEstimate: true,
      ...(volumeGiB !== sold.storageGb
        ? { flag: `the code creates ${volumeGiB} GiB; the business plan sells ${sold.storageGb} GB (naive line priced at ${sold.storageGb} GB)` }
        : volumeGiB < largestGiB
          ? {
              flag:
                `a downgrade keeps the larger volume (EBS cannot shrink): a ${plan} customer who came down from a ${largestGiB} GiB plan still costs ` +
                `${money(p(`ebs.${ROOT_VOLUME.type}`) * largestGiB)} a month for storage, ${money(p(`ebs.${ROOT_VOLUME.type}`) * (largestGiB - volumeGiB))} more`,
            }
          : {}),
    },
    {
      id: 'publicIpv4',
      label: 'Public IPv4 address',
      usdPerMonth: p('vpc.publicIpv4') * HOURS_PER_MONTH,
      basis: `${p('vpc.publicIpv4')}/h x ${HOURS_PER_MONTH} h (MapPublicIpOnLaunch, no NAT)`,
      kind: 'created',
      inNaiveEstimate: false,
      flag: 'billed since February 2024 on every public IPv4, attached or not; the classic miss',
    },
    {
      id: 'dataOut',
      label: `Data transfer out, ${usage.dataOutGb} GB`,
      usdPerMonth: p('dataTransfer.outToInternet') * usage.dataOutGb,
      basis: `${p('dataTransfer.outToInternet')}/GB x ${usage.dataOutGb} GB (assumed usage)`,
      kind: 'created',
      inNaiveEstimate: false,
      flag: 'egress is billed per GB; the account-wide 100 GB free tier is nothing at fleet scale',
    },
    {
      id: 'flowLogs',
      label: `CloudWatch Logs: VPC flow logs, ${usage.flowLogGb} GB`,
      usdPerMonth: usage.flowLogGb * (p('cloudwatch.logsIngestion') + FLEET.flowLogRetentionMonths * p('cloudwatch.logsStorage')),
      basis: `${usage.flowLogGb} GB x (${p('cloudwatch.logsIngestion')} ingest + ${FLEET.flowLogRetentionMonths} x ${p('cloudwatch.logsStorage')} storage)`,
      kind: 'created',
      inNaiveEstimate: false,
      flag: 'the VPC flow log records ALL traffic into CloudWatch Logs; grows with traffic',
    },
    {
      id: 'email',
      label: `SES, ${usage.emailsPerMonth.toLocaleString('en-US')} emails`,
      usdPerMonth: p('ses.outboundEmail') * usage.emailsPerMonth,
      basis: `${p('ses.outboundEmail')}/email x ${usage.emailsPerMonth} (assumed usage)`,
      kind: 'created',
      inNaiveEstimate: false,
      flag: 'the customer\'s mail and CRM send through SES, billed per message',
    },
    {
      id: 'dns',
      label: 'Route 53: A-record queries + hosted-zone share',
      usdPerMonth: p('route53.standardQuery') * usage.dnsQueriesPerMonth + p('route53.hostedZone') / FLEET.customers,
      basis: `${p('route53.standardQuery')} x ${usage.dnsQueriesPerMonth} queries + ${p('route53.hostedZone')}/zone / ${FLEET.customers} customers`,
      kind: 'created',
      inNaiveEstimate: false,
      flag: 'a non-alias A record pointing at an instance IP: every query is billed',
    },
    {
      id: 'controlPlane',
      label: 'Control plane share',
      usdPerMonth:
        provisioningOnce / FLEET.lifetimeMonths +
        FLEET.statusReadsPerMonth * (p('apiGateway.restRequest') + invocation + 0.5 * p('dynamodb.onDemandRru')) +
        (jobRunsPerMonth * invocation + inputs.stackSecrets * p('secretsManager.secret')) / FLEET.customers,
      basis:
        `provisioning ${transitions} transitions + ${invocations} invocations (ASL walk, bench/provisioning-model.ts) = ${money(provisioningOnce)} once / ${FLEET.lifetimeMonths} months;` +
        ` ${FLEET.statusReadsPerMonth} status reads; ${Math.round(jobRunsPerMonth)} scheduled-job runs and ${inputs.stackSecrets} secrets / ${FLEET.customers} customers`,
      kind: 'created',
      inNaiveEstimate: false,
    },
    {
      id: 'stripe',
      label: 'Stripe card + Billing fees',
      usdPerMonth: sold.priceUsd * (p('stripe.cardPercent') + p('stripe.billingPercent')) + p('stripe.cardFixed'),
      basis: `${sold.priceUsd} x (${p('stripe.cardPercent')} + ${p('stripe.billingPercent')}) + ${p('stripe.cardFixed')}`,
      kind: 'created',
      inNaiveEstimate: false,
      flag: 'payment processing scales with the price: the largest line after the server',
    },
    {
      id: 'dailyBackups',
      label: `Daily backups kept ${sold.backupDays} days`,
      usdPerMonth: p('ebs.snapshot') * snapshotGb,
      basis: `${p('ebs.snapshot')}/GB-month x ${usage.usedDiskGb} GB used x (1 + ${FLEET.dailyChangeRate} x ${sold.backupDays} days of changes)`,
      kind: 'not built',
      inNaiveEstimate: false,
      flag: 'sold by the business plan, not created by the code yet (issue 9 item 2): EBS snapshots are billed per GB stored',
    },
    {
      id: 'finalSnapshot',
      label: `Final snapshot after cancellation, ${DEFAULT_FINAL_SNAPSHOT_RETENTION_DAYS} days`,
      usdPerMonth: p('ebs.snapshot') * usage.usedDiskGb * (DEFAULT_FINAL_SNAPSHOT_RETENTION_DAYS / 30) / FLEET.lifetimeMonths,
      basis: `${p('ebs.snapshot')} x ${usage.usedDiskGb} GB x ${DEFAULT_FINAL_SNAPSHOT_RETENTION_DAYS / 30} months, once per customer / ${FLEET.lifetimeMonths} months`,
      kind: 'created',
      inNaiveEstimate: false,
      flag: 'a customer who left still costs: the deprovision workflow keeps a snapshot 90 days',
    },
    {
      id: 't3Unlimited',
      label: 'T3 Unlimited surplus credits (at 100% CPU)',
      usdPerMonth: t3.vcpus * (1 - t3.baseline) * p('ec2.t3.unlimitedSurplusCredit') * HOURS_PER_MONTH,
      basis: `${t3.vcpus} vCPU x (1 - ${t3.baseline} baseline) x ${p('ec2.t3.unlimitedSurplusCredit')}/vCPU-h x ${HOURS_PER_MONTH} h`,
      kind: 'risk',
      inNaiveEstimate: false,
      flag: 'the launch template sets no credit specification, so T3 runs Unlimited: a busy server bills surplus credits',
    },
  ];
}

/** Each plan's monthly cost and margin against its price and the business plan's claim. */
export function costReport(inputs: CostInputs = loadCostInputs()): CostReport {
  const plans = PLAN_NAMES.map((plan): PlanCost => {
    const sold = BUSINESS_PLAN.plans[plan];
    const priceUsd = PLANS[plan].monthlyPriceCents / 100;
    if (priceUsd !== sold.priceUsd) throw new Error(`lambdas/core/plans.ts prices ${plan} at ${priceUsd}, the business plan at ${sold.priceUsd}`);
    const lines = planLines(plan, inputs);
    const sum = (kinds: LineKind[]) => lines.filter((line) => kinds.includes(line.kind)).reduce((total, line) => total + line.usdPerMonth, 0);
    const totalUsd = sum(['created']);
    const totalWhenBuiltUsd = sum(['created', 'not built']);
    const instance = lines.find((line) => line.id === 'instance')!.usdPerMonth;
    const naiveUsd = instance + priceOf(inputs.sheet, `ebs.${ROOT_VOLUME.type}`) * sold.storageGb;
    const allowanceUsd = priceUsd * (1 - BUSINESS_PLAN.claimedMargin);
    return {
      plan,
      priceUsd,
      lines,
      totalUsd,
      marginPct: pct(totalUsd, priceUsd),
      totalWhenBuiltUsd,
      marginWhenBuiltPct: pct(totalWhenBuiltUsd, priceUsd),
      naiveUsd,
      naiveMarginPct: pct(naiveUsd, priceUsd),
      allowanceUsd,
      meetsClaim: totalWhenBuiltUsd <= allowanceUsd,
    };
  });
  return {
    region: inputs.sheet.region,
    pricesRead: [...new Set(Object.values(inputs.sheet.prices).map((price) => price.read))],
    inputs: {
      rootVolume: {
        sizeGiB: Object.fromEntries(Object.values(PLANS).map((plan) => [plan.name, plan.volumeGb])) as Record<PlanName, number>,
        type: ROOT_VOLUME.type,
        source: 'lambdas/core/plans.ts volumeGb (Launch instance and the resize); a downgrade keeps the larger volume',
      },
      provisioning: { ...inputs.provisioning, source: 'bench/provisioning-model.ts happyPathCounts (walk of statemachines/provision-customer.asl.json)' },
      stepMemoryMb: inputs.stepMemoryMb,
      stackSecrets: inputs.stackSecrets,
      fleet: FLEET,
      usage: USAGE,
      businessPlan: BUSINESS_PLAN,
      finalSnapshotRetentionDays: DEFAULT_FINAL_SNAPSHOT_RETENTION_DAYS,
    },
    plans,
  };
}

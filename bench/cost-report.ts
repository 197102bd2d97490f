import path from 'node:path';
import { type CostReport, costReport } from './cost-model';
import { PRICE_FILE } from './prices';
import { printTable } from './table';

const KIND_NOTE = { created: '', 'not built': ' (not built: not in total)', risk: ' (risk: not in total)' } as const;

/** The report as text tables: each plan's lines, then the plans against the business plan's table. */
export function printCostReport(report: CostReport): void {
  console.log(`StackPro monthly cost per customer, ${report.region} list prices from ${path.relative(process.cwd(), PRICE_FILE)} (read ${report.pricesRead.join(', ')})`);
  for (const plan of report.plans) {
    printTable(
      `${plan.plan}: USD ${plan.priceUsd}/month`,
      [{ title: 'line' }, { title: 'USD/month', digits: 2 }, { title: 'naive?' }, { title: 'basis / flag' }],
      [
        ...plan.lines.map((line) => [
          `${line.label}${KIND_NOTE[line.kind]}`,
          line.usdPerMonth,
          line.inNaiveEstimate ? 'yes' : 'MISSED',
          line.flag ? `${line.basis}. !! ${line.flag}` : line.basis,
        ]),
        ['total (created today)', plan.totalUsd, '', `margin ${plan.marginPct.toFixed(1)}%`],
        ['total with the daily backups sold', plan.totalWhenBuiltUsd, '', `margin ${plan.marginWhenBuiltPct.toFixed(1)}%`],
      ],
    );
  }
  const claim = report.inputs.businessPlan.claimedMargin * 100;
  printTable(
    `Against the business plan's table ("${claim}% margins": costs at most ${100 - claim}% of the price)`,
    [
      { title: 'plan' },
      { title: 'price', digits: 0 },
      { title: `allowed (${100 - claim}%)`, digits: 2 },
      { title: 'naive cost', digits: 2 },
      { title: 'naive margin', digits: 1, suffix: '%' },
      { title: 'cost today', digits: 2 },
      { title: 'margin', digits: 1, suffix: '%' },
      { title: 'with backups', digits: 2 },
      { title: 'margin', digits: 1, suffix: '%' },
      { title: `${claim}% holds?` },
    ],
    report.plans.map((plan) => [
      plan.plan,
      plan.priceUsd,
      plan.allowanceUsd,
      plan.naiveUsd,
      plan.naiveMarginPct,
      plan.totalUsd,
      plan.marginPct,
      plan.totalWhenBuiltUsd,
      plan.marginWhenBuiltPct,
      plan.meetsClaim ? 'yes' : 'NO',
    ]),
  );
  const missed = new Map(report.plans.flatMap((plan) => plan.lines.filter((line) => !line.inNaiveEstimate).map((line) => [line.id, line.label.replace(/( kept|,).*$/, '')] as const)));
  console.log(`\nMissed by a naive estimate (server + storage as sold): ${[...missed.values()].join('; ')}.`);
  const { provisioning, fleet } = report.inputs;
  console.log(
    `Inputs read from the code: root volume ${Object.entries(report.inputs.rootVolume.sizeGiB).map(([plan, gib]) => `${plan} ${gib} GiB`).join(', ')} ${report.inputs.rootVolume.type} (${report.inputs.rootVolume.source});` +
      ` provisioning ${provisioning.transitions} transitions, ${provisioning.invocations} invocations (${provisioning.source});` +
      ` step memory ${report.inputs.stepMemoryMb} MB; ${report.inputs.stackSecrets} secrets; final snapshot kept ${report.inputs.finalSnapshotRetentionDays} days.`,
  );
  console.log(
    `Assumptions (bench/cost-assumptions.ts): ${fleet.customers} customers share fixed costs, ${fleet.lifetimeMonths}-month lifetime, ${fleet.dailyChangeRate * 100}% of used disk changes daily,` +
      ` ${fleet.statusReadsPerMonth} status reads/month, ${fleet.invocationMs} ms per invocation; per-plan usage (disk used, GB out, emails, DNS queries, flow-log GB) is printed in each line.`,
  );
}

/** `npm run cost [-- --json]` and `npx stackpro cost [--json]`. */
export function runCostReport(json: boolean): void {
  const report = costReport();
  if (json) console.log(JSON.stringify(report, null, 2));
  else printCostReport(report);
}

if (require.main === module) runCostReport(process.argv.includes('--json'));

import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { costReport, HOURS_PER_MONTH, loadCostInputs, planLines, type CostInputs } from '../../../bench/cost-model';
import { loadPriceSheet, priceOf, type PriceSheet } from '../../../bench/prices';
import { ROOT_VOLUME } from '../../../lib/customer-instances';
import { PLANS } from '../../../lambdas/core/plans';
import { FLEET } from '../../../bench/cost-assumptions';

/** The cost report is prices (bench/prices.json) times quantities from the code: pinned to the data, not to results. */
describe('cost model', () => {
  const inputs = loadCostInputs();
  const sheet = inputs.sheet;
  const withPrice = (key: string, usd: number): CostInputs => ({
    ...inputs,
    sheet: { ...sheet, prices: { ...sheet.prices, [key]: { ...sheet.prices[key], usd } } } as PriceSheet,
  });
  const line = (plan: keyof typeof PLANS, id: string, from: CostInputs = inputs) => planLines(plan, from).find((l) => l.id === id)!;

  it('prices each plan\'s instance type, the launch template\'s root volume and one public IPv4 from the data file', () => {
    for (const plan of Object.keys(PLANS) as (keyof typeof PLANS)[]) {
      expect(line(plan, 'instance').usdPerMonth).toBeCloseTo(priceOf(sheet, `ec2.${PLANS[plan].instanceType}`) * HOURS_PER_MONTH, 10);
      expect(line(plan, 'rootVolume').usdPerMonth).toBeCloseTo(priceOf(sheet, `ebs.${ROOT_VOLUME.type}`) * PLANS[plan].volumeGb, 10);
      expect(line(plan, 'publicIpv4').usdPerMonth).toBeCloseTo(priceOf(sheet, 'vpc.publicIpv4') * HOURS_PER_MONTH, 10);
      expect(line(plan, 'publicIpv4').inNaiveEstimate).toBe(false);
    }
    // USD 0.005 an hour is the USD 3.65 a month the issue names.
    expect(line('starter', 'publicIpv4').usdPerMonth).toBeCloseTo(3.65, 2);
  });

  it('prices the volume each plan gets (20/50/100 GiB) and says a downgrade keeps the larger one', () => {
    expect(Object.values(PLANS).map((plan) => plan.volumeGb)).toEqual([20, 50, 100]);
    expect(line('starter', 'rootVolume').label).toContain('20 GiB');
    expect(line('enterprise', 'rootVolume').label).toContain('100 GiB');
    for (const plan of ['starter', 'business'] as const) expect(line(plan, 'rootVolume').flag).toMatch(/a downgrade keeps the larger volume \(EBS cannot shrink\)/);
    expect(line('enterprise', 'rootVolume').flag ?? '').not.toMatch(/downgrade/);
  });

  it('moves the total by exactly the line a changed price drives', () => {
    const before = costReport(inputs).plans[0];
    const after = costReport(withPrice('vpc.publicIpv4', priceOf(sheet, 'vpc.publicIpv4') * 2)).plans[0];
    expect(after.totalUsd - before.totalUsd).toBeCloseTo(priceOf(sheet, 'vpc.publicIpv4') * HOURS_PER_MONTH, 10);
    expect(after.marginPct).toBeLessThan(before.marginPct);
  });

  it('spreads the provisioning transitions and invocations the ASL walk counts over the customer lifetime', () => {
    const more: CostInputs = { ...inputs, provisioning: { ...inputs.provisioning, transitions: inputs.provisioning.transitions + 1_000 } };
    const delta = line('business', 'controlPlane', more).usdPerMonth - line('business', 'controlPlane').usdPerMonth;
    expect(delta).toBeCloseTo((1_000 * priceOf(sheet, 'stepFunctions.standardTransition')) / FLEET.lifetimeMonths, 12);
    expect(inputs.provisioning.transitions).toBeGreaterThan(inputs.provisioning.invocations);
  });

  it('keeps unbuilt backups and worst-case risks out of today\'s total, and judges the 95% claim on the built total', () => {
    for (const plan of costReport(inputs).plans) {
      const created = plan.lines.filter((l) => l.kind === 'created').reduce((sum, l) => sum + l.usdPerMonth, 0);
      const backups = plan.lines.find((l) => l.id === 'dailyBackups')!;
      expect(backups.kind).toBe('not built');
      expect(plan.totalUsd).toBeCloseTo(created, 10);
      expect(plan.totalWhenBuiltUsd).toBeCloseTo(created + backups.usdPerMonth, 10);
      expect(plan.meetsClaim).toBe(plan.totalWhenBuiltUsd <= plan.priceUsd * 0.05);
      expect(plan.naiveUsd).toBeLessThan(plan.totalUsd);
    }
  });

  it('refuses a price without its source or read date, and a price the sheet lacks', () => {
    expect(() => priceOf(sheet, 'ec2.t9.nano')).toThrow(/no price "ec2.t9.nano"/);
    const file = path.join(tmpdir(), `prices-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ ...sheet, prices: { x: { usd: 1, unit: 'u', source: 'aws', read: 'today' } } }));
    expect(() => loadPriceSheet(file)).toThrow(/needs usd >= 0, an https source and a read date/);
  });
});

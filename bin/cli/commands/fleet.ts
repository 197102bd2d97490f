import { type Command, InvalidArgumentError, Option } from 'commander';
import { signedFetch } from '../../admin-request';
import { APP_VERSIONS, CURRENT_APP_VERSION } from '../../../lambdas/core/app-versions';
import { AdminApiError, type AdminApi } from '../admin-api';
import type { CliContext } from '../context';
import { type Output, table } from '../output';

/** GET /admin/fleet-updates/{id} as the CLI reads it (lambdas/api/fleet-schemas.ts FleetUpdateResponse). */
export interface FleetReport {
  readonly updateId: string;
  readonly version: string;
  readonly status: 'running' | 'completed' | 'stopped' | 'failed';
  readonly maxConcurrent: number;
  readonly maxFailures: number;
  readonly executionName: string;
  readonly failureReason?: string;
  readonly created?: boolean;
  readonly progress: { total?: number; pending: number; updating: number; rolling_back: number; updated: number; failed: number; skipped: number };
  readonly customers: readonly {
    customerId: string;
    fromVersion?: string;
    toVersion: string;
    result: string;
    reason?: string;
    durationSeconds?: number;
  }[];
}

const whole = (name: string, min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number from ${min}`);
  return n;
};

/** A signed call with a JSON body (AdminApi.request sends none); errors as AdminApiError, like every command. */
async function send<T>(api: AdminApi, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await signedFetch(method, new URL(path, api.base), body);
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string; details?: { field: string; message: string }[] } } | undefined)?.error;
    throw new AdminApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? text.slice(0, 200), error?.details ?? [], parsed);
  }
  return parsed as T;
}

const getReport = (api: AdminApi, updateId: string) => send<FleetReport>(api, 'GET', `admin/fleet-updates/${encodeURIComponent(updateId)}`);

/** `[#####-----] 7/10 updated 6, failed 1, skipped 0, in flight 2`: one line of progress. */
export function progressBar(report: Pick<FleetReport, 'progress'>, width = 30): string {
  const { total, updated, failed, skipped, updating, rolling_back: rollingBack } = report.progress;
  const done = updated + failed + skipped;
  const filled = total ? Math.round((done / total) * width) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total ?? '?'}  updated ${updated}, failed ${failed}, skipped ${skipped}, in flight ${updating + rollingBack}`;
}

/** The final table: one row per customer. */
export function printReport(report: FleetReport): void {
  console.log(`fleet update ${report.updateId}: version ${report.version}, ${report.status}${report.failureReason ? ` (${report.failureReason})` : ''}`);
  console.log(`execution ${report.executionName}; at most ${report.maxConcurrent} at once, stop after ${report.maxFailures} failed`);
  console.log(progressBar(report));
  console.log(
    table(
      ['customer', 'from', 'to', 'result', 'seconds', 'reason'],
      report.customers.map((line) => [line.customerId, line.fromVersion, line.toVersion, line.result, line.durationSeconds?.toFixed(1), line.reason]),
    ),
  );
}

/**
 * Polls the report until the update ends: the bar on stderr (redrawn in place on a terminal, a line per
 * change otherwise) and a task-list line as each customer ends, with its reason when it failed.
 */
async function follow(api: AdminApi, output: Output, updateId: string, timeoutSeconds: number, stderr = process.stderr): Promise<FleetReport> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const ended = new Set<string>();
  let lastBar = '';
  for (;;) {
    const report = await getReport(api, updateId);
    for (const line of report.customers) {
      if (!['updated', 'failed', 'skipped'].includes(line.result) || ended.has(line.customerId)) continue;
      ended.add(line.customerId);
      const mark = line.result === 'updated' ? '[x]' : line.result === 'failed' ? '[!]' : '[-]';
      if (stderr.isTTY && !output.json) stderr.write('\r\x1b[K');
      output.progress(`  ${mark} ${line.customerId} ${line.result}${line.reason ? `: ${line.reason}` : ''}`);
    }
    const bar = progressBar(report);
    if (bar !== lastBar && !output.json) {
      if (stderr.isTTY) stderr.write(`\r\x1b[K${bar}`);
      else output.progress(bar);
      lastBar = bar;
    }
    if (report.status !== 'running') {
      if (stderr.isTTY && !output.json) stderr.write('\n');
      return report;
    }
    if (Date.now() > deadline) throw new Error(`still running after ${timeoutSeconds} s; follow with: npx stackpro fleet show ${updateId}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

interface UpdateOptions {
  readonly version: string;
  readonly all?: boolean;
  readonly plan?: string;
  readonly customers?: string;
  readonly maxConcurrent: number;
  readonly maxFailures: number;
  readonly attempt?: number;
  readonly wait: boolean;
  readonly timeout: number;
}

/** `fleet update`, `fleet show` and `fleet versions`: app version N to many customers (README "Fleet update"). */
export function registerFleetCommands(program: Command, context: CliContext): void {
  // Its own exitOverride: nested commands copy the parent's settings when created, before runCli sets it,
  // and without it a usage error would end the process instead of answering runCli's exit code.
  const fleet = program.command('fleet').description('Roll app versions to customers in waves (the FleetUpdate workflow)').exitOverride();
  const targets = ['all', 'plan', 'customers'];

  fleet
    .command('update')
    .description('Roll app version N to all active customers, one plan or a list: at most K at once, stopping once more than E failed')
    .requiredOption('--version <version>', `the app version (lambdas/core/app-versions.json; current ${CURRENT_APP_VERSION})`)
    .addOption(new Option('--all', 'every active customer').conflicts(['plan', 'customers']))
    .addOption(new Option('--plan <plan>', "one plan's active customers").choices(['starter', 'business', 'enterprise']).conflicts(['all', 'customers']))
    .addOption(new Option('--customers <ids>', 'comma-separated customer ids (only the active ones are touched)').conflicts(['all', 'plan']))
    .requiredOption('--max-concurrent <K>', 'customers updated at once (1-40)', whole('--max-concurrent', 1))
    .requiredOption('--max-failures <E>', 'failures tolerated before the rest is skipped', whole('--max-failures', 0))
    .option('--attempt <n>', 'run the same update again (the same request is otherwise the same update)', whole('--attempt', 1))
    .option('--no-wait', 'answer with the update id at once instead of following it')
    .option('--timeout <seconds>', 'give up following after this long', whole('--timeout', 1), 3600)
    .addHelpText('after', '\nExamples:\n  npx stackpro fleet update --version 2026.12.0 --plan starter --max-concurrent 5 --max-failures 1\n  npx stackpro fleet update --version 2026.12.0 --customers <id>,<id> --max-concurrent 2 --max-failures 0 --json')
    .action(async (options: UpdateOptions) => {
      const chosen = targets.filter((name) => options[name as keyof UpdateOptions] !== undefined);
      if (chosen.length !== 1) throw new Error('choose the customers: exactly one of --all, --plan <plan> or --customers <ids>');
      const target = options.all ? { all: true } : options.plan ? { plan: options.plan } : { customerIds: options.customers!.split(',').map((id) => id.trim()).filter(Boolean) };
      const { api, output } = context.resolve();
      const started = await send<FleetReport>(api, 'POST', 'admin/fleet-updates', {
        version: options.version,
        target,
        maxConcurrent: options.maxConcurrent,
        maxFailures: options.maxFailures,
        ...(options.attempt ? { attempt: options.attempt } : {}),
      });
      output.progress(`fleet update ${started.updateId}${started.created === false ? ' (already requested: following it)' : ''}: version ${started.version}`);
      const report = options.wait ? await follow(api, output, started.updateId, options.timeout) : started;
      output.result(report, () => printReport(report));
      // A stopped or failed update is a failed command, for scripts.
      if (options.wait && report.status !== 'completed') process.exitCode = 1;
    });

  fleet
    .command('show')
    .description('Progress and per-customer report of a fleet update')
    .argument('<updateId>')
    .option('--wait', 'follow it until it ends')
    .option('--timeout <seconds>', 'with --wait: give up after this long', whole('--timeout', 1), 3600)
    .action(async (updateId: string, options: { wait?: boolean; timeout: number }) => {
      const { api, output } = context.resolve();
      const report = options.wait ? await follow(api, output, updateId, options.timeout) : await getReport(api, updateId);
      output.result(report, () => printReport(report));
    });

  fleet
    .command('versions')
    .description('The app versions a fleet update can roll (lambdas/core/app-versions.json)')
    .action(() => {
      const output = context.output();
      const versions = APP_VERSIONS.map((entry) => ({ version: entry.version, released: entry.released, current: entry.version === CURRENT_APP_VERSION, notes: entry.notes }));
      output.result(versions, () => console.log(table(['version', 'released', 'current', 'notes'], versions.map((v) => [v.version, v.released, v.current ? 'yes' : '', v.notes]))));
    });
}

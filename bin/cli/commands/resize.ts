import { type Command, InvalidArgumentError } from 'commander';
import { PLAN_NAMES } from '../../../lambdas/core/plans';
import type { AdminApi, CustomerDetail } from '../admin-api';
import type { CliContext } from '../context';
import type { Output } from '../output';
import { printCustomer } from './customers';

const RESIZE = 'ResizeCustomer';

const seconds = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a number of seconds above 0');
  return n;
};

const planName = (value: string) => {
  if (!(PLAN_NAMES as readonly string[]).includes(value)) throw new InvalidArgumentError(`one of ${PLAN_NAMES.join(', ')}`);
  return value;
};

/** How a followed plan change ended. */
export interface ResizeOutcome {
  readonly outcome: 'resized' | 'failed';
  readonly plan: string;
  readonly planChangeFailure?: string;
  readonly customer: CustomerDetail;
}

/**
 * Follows the plan change until it is no longer pending and no resize execution runs (or the deadline):
 * each step of the resize as a task-list line on stderr when it starts or ends.
 */
export async function followResize(api: AdminApi, output: Output, customerId: string, plan: string, timeoutSeconds: number, pollMs = 500): Promise<ResizeOutcome> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const seen = new Map<string, string>();
  for (;;) {
    const customer = await api.getCustomer(customerId);
    const steps = customer.workflow?.name === RESIZE ? customer.workflow.steps : [];
    for (const step of steps) {
      const key = `${customer.workflow?.executionName}/${step.name}`;
      if (seen.get(key) === step.status) continue;
      seen.set(key, step.status);
      const mark = step.status === 'succeeded' ? '[x]' : step.status === 'failed' ? '[!]' : '[ ]';
      output.progress(`  ${mark} ${step.name}${step.status !== 'succeeded' && step.message ? `: ${step.message}` : ''}`);
    }
    const running = customer.executions.some((execution) => execution.workflow === RESIZE && execution.status === 'RUNNING');
    if (!customer.pendingPlan && !running) {
      const resized = customer.plan === plan;
      return { outcome: resized ? 'resized' : 'failed', plan: customer.plan, ...(resized ? {} : { planChangeFailure: customer.planChangeFailure }), customer };
    }
    if (Date.now() > deadline) throw new Error(`the change to ${plan} is still pending after ${timeoutSeconds} s; follow with: npx stackpro show ${customerId}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** `resize <customerId> <plan>`: the customer's plan change by an operator, over POST /admin/customers/{id}/plan. */
export function registerResizeCommand(program: Command, context: CliContext): void {
  program
    .command('resize')
    .description("Move a customer to another plan: Stripe's prorated price change, then the resize (snapshot, stop, type, start, DNS, apps check)")
    .argument('<customerId>')
    .argument('<plan>', PLAN_NAMES.join(' | '), planName)
    .option('--no-wait', 'answer once the change is pending, without following the resize')
    .option('--timeout <seconds>', 'give up following after this long', seconds, 1800)
    .addHelpText(
      'after',
      '\nA downgrade below what the customer uses (disk) is refused: 409 PLAN_IN_USE with the details.' +
        '\nA failed resize puts the previous type and price back; the reason is shown (planChangeFailure) and the exit code is 1.' +
        '\n\nExample:\n  npx stackpro resize <customerId> business',
    )
    .action(async (customerId: string, plan: string, options: { wait: boolean; timeout: number }) => {
      const { api, output } = context.resolve();
      const change = await api.changePlan(customerId, plan);
      if (!options.wait) {
        output.result(change, () => console.log(`${customerId}: ${change.plan} -> ${change.pendingPlan} pending`));
        return;
      }
      output.progress(`resize: ${change.plan} -> ${change.pendingPlan}`);
      const ended = await followResize(api, output, customerId, plan, options.timeout);
      output.result({ change, outcome: ended.outcome, plan: ended.plan, planChangeFailure: ended.planChangeFailure, customer: ended.customer }, () => {
        console.log(ended.outcome === 'resized' ? `Resized: now on ${ended.plan}.` : `Resize failed, still on ${ended.plan}: ${ended.planChangeFailure ?? 'see the executions below'}`);
        printCustomer(ended.customer);
      });
      if (ended.outcome === 'failed') process.exitCode = 1;
    });
}

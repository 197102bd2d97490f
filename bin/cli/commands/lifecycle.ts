import { type Command, InvalidArgumentError } from 'commander';
import type { AdminApi, CustomerDetail } from '../admin-api';
import type { CliContext } from '../context';
import type { Output } from '../output';
import { printCustomer } from './customers';

/** Statuses a workflow is still moving the customer through. */
const MOVING = new Set(['provisioning', 'suspending', 'resuming']);

const seconds = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a number of seconds above 0');
  return n;
};

/**
 * Follows the customer until no workflow moves it any more (or the deadline): a task list on stderr, one
 * line each time a step starts or ends, as the console draws the execution.
 */
export async function follow(api: AdminApi, output: Output, customerId: string, executionName: string | undefined, timeoutSeconds: number): Promise<CustomerDetail> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const seen = new Map<string, string>();
  for (;;) {
    const customer = await api.getCustomer(customerId);
    const steps = customer.workflow && (!executionName || customer.workflow.executionName === executionName) ? customer.workflow.steps : [];
    for (const step of steps) {
      if (seen.get(step.name) === step.status) continue;
      seen.set(step.name, step.status);
      const mark = step.status === 'succeeded' ? '[x]' : step.status === 'failed' ? '[!]' : '[ ]';
      output.progress(`  ${mark} ${step.name}${step.status === 'failed' && step.message ? `: ${step.message}` : ''}`);
    }
    // Done when the execution has ended (Step Functions says so), not just when the status moved: steps
    // such as the customer's email run after it.
    const execution = executionName ? customer.executions.find((e) => e.executionName === executionName) : undefined;
    const ended = executionName ? execution !== undefined && !['RUNNING', 'NOT_FOUND'].includes(execution.status) : !MOVING.has(customer.status);
    if (ended) return customer;
    if (Date.now() > deadline) throw new Error(`still ${customer.status} after ${timeoutSeconds} s; follow with: npx stackpro show ${customerId}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

interface WaitOptions {
  readonly wait?: boolean;
  readonly timeout: number;
}

function lifecycleCommand(
  program: Command,
  context: CliContext,
  name: string,
  description: string,
  run: (api: AdminApi, customerId: string) => Promise<{ executionName?: string; changed?: boolean } & object>,
): void {
  program
    .command(name)
    .description(description)
    .argument('<customerId>')
    .option('--wait', 'follow the workflow until it ends, step by step (stderr), then show the customer')
    .option('--timeout <seconds>', 'with --wait: give up after this long', seconds, 900)
    .addHelpText('after', `\nExample:\n  npx stackpro ${name} <customerId> --wait`)
    .action(async (customerId: string, options: WaitOptions) => {
      const { api, output } = context.resolve();
      const started = await run(api, customerId);
      if (!options.wait) {
        output.result(started, () => console.log(JSON.stringify(started)));
        return;
      }
      output.progress(`${name}: ${started.executionName ?? 'nothing started (already done)'}`);
      const customer = await follow(api, output, customerId, started.executionName, options.timeout);
      output.result({ started, customer }, () => printCustomer(customer));
    });
}

/** `retry-provisioning`, `suspend` and `resume`: each starts a workflow through its admin route. */
export function registerLifecycleCommands(program: Command, context: CliContext): void {
  lifecycleCommand(program, context, 'retry-provisioning', 'Start a fresh provisioning attempt for a failed customer', (api, id) => api.retryProvisioning(id));
  lifecycleCommand(program, context, 'suspend', "Suspend a customer (server stopped, data kept) until an operator resumes it; Stripe's events do not undo it", (api, id) =>
    api.suspend(id),
  );
  lifecycleCommand(program, context, 'resume', 'Resume a suspended customer and lift the hold', (api, id) => api.resume(id));
}

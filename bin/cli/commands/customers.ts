import { type Command, InvalidArgumentError, Option } from 'commander';
import { CUSTOMER_STATUSES } from '../../../lambdas/core/customer';
import { PLAN_NAMES } from '../../../lambdas/core/plans';
import type { CustomerDetail, CustomerListing } from '../admin-api';
import type { CliContext } from '../context';
import { table } from '../output';

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('a whole number from 1 to 100');
  return n;
};

function listingTable(items: readonly CustomerListing[]): string {
  return table(
    ['customer', 'status', 'plan', 'company', 'email', 'subdomain', 'created'],
    items.map((c) => [c.customerId, c.status, c.plan, c.company, c.email, c.subdomain, c.createdAt]),
  );
}

/** `list`, `find` and `show`: what support reads about customers. */
export function registerCustomerCommands(program: Command, context: CliContext): void {
  program
    .command('list')
    .description('List customers, newest first, by status and plan (a page at a time, or --all)')
    .addOption(new Option('--status <status>', 'only this status').choices(CUSTOMER_STATUSES))
    .addOption(new Option('--plan <plan>', 'only this plan').choices(PLAN_NAMES))
    .option('--limit <n>', 'customers per page (1-100)', positiveInt, 25)
    .option('--cursor <cursor>', 'continue from the nextCursor of an earlier page')
    .option('--all', 'follow every page (progress on stderr)')
    .addHelpText('after', '\nExamples:\n  npx stackpro list --status failed\n  npx stackpro list --plan business --all --json')
    .action(async (options: { status?: string; plan?: string; limit: number; cursor?: string; all?: boolean }) => {
      const { api, output } = context.resolve();
      const items: CustomerListing[] = [];
      let cursor = options.cursor;
      let pages = 0;
      do {
        const page = await api.listCustomers({ status: options.status, plan: options.plan, limit: options.limit, cursor });
        items.push(...page.items);
        cursor = page.nextCursor;
        pages += 1;
        if (options.all && cursor) output.progress(`... ${items.length} customers after ${pages} pages`);
      } while (options.all && cursor);
      output.result({ items, ...(cursor ? { nextCursor: cursor } : {}) }, () => {
        console.log(items.length > 0 ? listingTable(items) : 'No customers match.');
        if (cursor) console.log(`\nMore: --cursor ${cursor}`);
      });
    });

  program
    .command('find')
    .description('Find a customer by email or subdomain (acme or acme.<customer domain>)')
    .argument('<email-or-subdomain>')
    .addHelpText('after', '\nExamples:\n  npx stackpro find ada@example.com\n  npx stackpro find analytical-engines')
    .action(async (term: string) => {
      const { api, output } = context.resolve();
      const page = await api.listCustomers(term.includes('@') ? { email: term } : { subdomain: term });
      output.result(page, () => console.log(page.items.length > 0 ? listingTable(page.items) : `No customer with ${term.includes('@') ? 'email' : 'subdomain'} ${term}.`));
    });

  program
    .command('show')
    .description('One customer: status, services, billing, workflow executions (failed state and cause) and steps')
    .argument('<customerId>')
    .addHelpText('after', '\nExample:\n  npx stackpro show 5b0c...-uuid --json')
    .action(async (customerId: string) => {
      const { api, output } = context.resolve();
      const customer = await api.getCustomer(customerId);
      output.result(customer, () => printCustomer(customer));
    });
}

/** The text form of `show`: what the console and the status page show, in one screen. */
export function printCustomer(c: CustomerDetail): void {
  const yesNo = (value: boolean) => (value ? 'yes' : 'no');
  console.log(`${c.company} (${c.firstName} ${c.lastName} <${c.email}>)  customer ${c.customerId}`);
  console.log(`status ${c.status}, plan ${c.plan}, subdomain ${c.subdomain}, public IP ${c.publicIp ?? '-'}`);
  console.log(`created ${c.createdAt}, verified ${c.verifiedAt ?? '-'}, trial ends ${c.trialEndsAt ?? '-'}`);
  console.log(`services: ${Object.entries(c.services).map(([name, state]) => `${name} ${state}`).join(', ')}`);
  const b = c.billing;
  console.log(
    `billing: Stripe customer ${b.stripeCustomerId ?? '-'}, subscription ${b.subscriptionStatus ?? '-'}, trial ends ${b.trialEndsAt ?? '-'},` +
      ` period ends ${b.currentPeriodEnd ?? '-'}, cancel at period end ${yesNo(b.cancelAtPeriodEnd)}`,
  );
  if (c.failureReason) console.log(`failure: ${c.failureReason}`);
  console.log('\nExecutions');
  console.log(
    table(
      ['workflow', 'execution', 'status', 'started', 'stopped', 'failed state', 'cause'],
      c.executions.map((e) => [e.workflow, e.executionName, e.status, e.startedAt, e.stoppedAt, e.failedState, [e.stateError, e.cause ?? e.error].filter(Boolean).join(': ')]),
    ),
  );
  const steps = c.workflow ?? { name: 'ProvisionCustomer', ...c.provisioning };
  console.log(`\nSteps of ${steps.name} ${steps.executionName}${steps.currentStep ? ` (now: ${steps.currentStep})` : ''}`);
  console.log(table(['step', 'status', 'started', 'ended', 'message'], steps.steps.map((s) => [s.name, s.status, s.startedAt, s.endedAt, s.message])));
}

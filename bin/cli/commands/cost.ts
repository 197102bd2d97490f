import type { Command } from 'commander';
import type { CliContext } from '../context';

/** `cost`: each plan's monthly cost and margin (no API call; same as `npm run cost`). */
export function registerCostCommand(program: Command, context: CliContext): void {
  program
    .command('cost')
    .description("Each plan's monthly cost and margin from what the code creates, against the business plan's table")
    .addHelpText('after', '\nPrices: bench/prices.json (source and date per price). Usage assumptions: bench/cost-assumptions.ts.')
    .action(async () => {
      // Loaded on use: the model reads the CDK constructs (aws-cdk-lib), which the API commands do not need.
      const { costReport } = await import('../../../bench/cost-model');
      const { printCostReport } = await import('../../../bench/cost-report');
      const report = costReport();
      context.output().result(report, () => printCostReport(report));
    });
}

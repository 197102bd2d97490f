import { type Command, InvalidArgumentError } from 'commander';
import type { CliContext } from '../context';
import { printCustomer } from './customers';
import { follow } from './lifecycle';

const seconds = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a number of seconds above 0');
  return n;
};

/** `backup` (an AWS Backup job now) and `restore` (the RestoreCustomer workflow, followed step by step). */
export function registerBackupCommands(program: Command, context: CliContext): void {
  program
    .command('backup')
    .description("Back up a customer's data volume now (AWS Backup; the same minute's requests share one job)")
    .argument('<customerId>')
    .addHelpText('after', '\nThe recovery point shows in GET /customers/<id>/backups (and AWS Backup > Backup vaults) once COMPLETED.\n\nExample:\n  npx stackpro backup <customerId>')
    .action(async (customerId: string) => {
      const { api, output } = context.resolve();
      const job = await api.backUp(customerId);
      output.result(job, () => console.log(`backup job ${job.backupJobId} started for ${customerId}`));
    });

  program
    .command('restore')
    .description(
      'Restore a customer from one of its recovery points onto a new volume; the old volume is kept until the restored server passes its check, and put back if it fails',
    )
    .argument('<customerId>')
    .argument('<recoveryPointId>', 'a recovery point of this customer (snap-...), as GET /customers/<id>/backups lists them')
    .option('--no-wait', 'return once the workflow has started')
    .option('--timeout <seconds>', 'give up following after this long', seconds, 3600)
    .addHelpText(
      'after',
      '\nFollows the RestoreCustomer execution as a task list on stderr ([x] done, [ ] running, [!] failed with why), then shows the customer.\nExit 1 when the restore was rolled back.\n\nExample:\n  npx stackpro restore <customerId> snap-0123456789abcdef0',
    )
    .action(async (customerId: string, recoveryPointId: string, options: { wait: boolean; timeout: number }) => {
      const { api, output } = context.resolve();
      const started = await api.restore(customerId, recoveryPointId);
      if (!options.wait) {
        output.result(started, () => console.log(`restore: ${started.executionName}${started.changed ? '' : ' (already running)'}`));
        return;
      }
      output.progress(`restore: ${started.executionName}${started.changed ? '' : ' (already running)'}`);
      const customer = await follow(api, output, customerId, started.executionName, options.timeout);
      const execution = customer.executions.find((candidate) => candidate.executionName === started.executionName);
      const restored = execution?.status === 'SUCCEEDED';
      output.result({ started, restored, execution, customer }, () => {
        console.log(restored ? `restored ${customerId} from ${recoveryPointId}` : `NOT restored: ${execution?.cause ?? execution?.status ?? 'unknown'}`);
        printCustomer(customer);
      });
      if (!restored) process.exitCode = 1;
    });
}

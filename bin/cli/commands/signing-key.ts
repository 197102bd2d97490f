import type { Command } from 'commander';
import { runRotateSigningKey } from '../../rotate-signing-key';

/** `rotate-signing-key`: rotates the JWT signing key now (bin/rotate-signing-key.ts). */
export function registerSigningKeyCommand(program: Command): void {
  program
    .command('rotate-signing-key')
    .description('Rotate the JWT signing key now, through Secrets Manager (the same rotation as the schedule)')
    .option('--secret-id <arn>', "the stack's SigningKeySecretArn output (default: the local stack's)")
    .option('--edge <url>', "the local stack's edge URL")
    .action(async (options: { secretId?: string; edge?: string }) => {
      const argv = [...(options.secretId ? ['--secret-id', options.secretId] : []), ...(options.edge ? ['--edge', options.edge] : [])];
      process.exitCode = await runRotateSigningKey(argv, process.env);
    });
}

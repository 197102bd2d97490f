import { Command } from 'commander';
import { registerBackupCommands } from './commands/backups';
import { registerCostCommand } from './commands/cost';
import { registerCustomerCommands } from './commands/customers';
import { registerFleetCommands } from './commands/fleet';
import { registerLifecycleCommands } from './commands/lifecycle';
import { registerResizeCommand } from './commands/resize';
import { registerSigningKeyCommand } from './commands/signing-key';
import { cliContext } from './context';

/**
 * The operators' CLI (`npx stackpro`, `npm run admin --`). Each group of commands registers itself here;
 * fleet update slots in as one more `register...`, on its admin routes.
 */
export function buildProgram(env: NodeJS.ProcessEnv = process.env): Command {
  const program = new Command('stackpro')
    .description(
      "StackPro operators' CLI: the admin API routes, SigV4-signed with your AWS credentials (the local stack's operator key on localhost)",
    )
    .option('--api <url>', 'admin API base URL (default: STACKPRO_API_URL, else the local stack on http://localhost:$PORT or 3000)')
    .option('--json', 'print one JSON document on stdout (progress stays on stderr)')
    .showHelpAfterError('(npx stackpro --help lists the commands; <command> --help explains one)')
    .addHelpText(
      'after',
      '\nDeployed: npx stackpro list --api https://<api-id>.execute-api.<region>.amazonaws.com/v1 (credentials: default chain; the AdminAccess policy)',
    );
  const context = cliContext(program, env);
  registerCustomerCommands(program, context);
  registerLifecycleCommands(program, context);
  registerResizeCommand(program, context);
  registerBackupCommands(program, context);
  registerFleetCommands(program, context);
  registerCostCommand(program, context);
  registerSigningKeyCommand(program);
  return program;
}

import type { Command } from 'commander';
import { AdminApi, apiBaseUrl } from './admin-api';
import { createOutput, type Output } from './output';

/** What every command gets from the global options (`--api`, `--json`), read when it runs. */
export interface CliContext {
  resolve(): { api: AdminApi; output: Output };
  output(): Output;
}

export function cliContext(program: Command, env: NodeJS.ProcessEnv = process.env): CliContext {
  const options = () => program.opts<{ api?: string; json?: boolean }>();
  return {
    resolve: () => ({ api: new AdminApi(apiBaseUrl(options().api, env)), output: createOutput(Boolean(options().json)) }),
    output: () => createOutput(Boolean(options().json)),
  };
}

import { AdminApiError } from './admin-api';
import { buildProgram } from './program';

/**
 * Runs one command line (`argv` without node and the script) and answers the exit code: 0, or 1 with the
 * API's error code and message (and field details) on stderr, or its error body on stdout with --json.
 */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const program = buildProgram(env).exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    const commanderCode = (error as { exitCode?: number; code?: string }).code;
    // --help and --version end through exitOverride too; commander has printed what it had to say.
    if (typeof commanderCode === 'string' && commanderCode.startsWith('commander.')) return (error as { exitCode: number }).exitCode;
    const json = program.opts<{ json?: boolean }>().json;
    if (error instanceof AdminApiError) {
      if (json) process.stdout.write(`${JSON.stringify(error.body ?? { error: { code: error.code, message: error.message } }, null, 2)}\n`);
      else {
        process.stderr.write(`stackpro: ${error.status} ${error.code}: ${error.message}\n`);
        for (const detail of error.details) process.stderr.write(`  ${detail.field}: ${detail.message}\n`);
      }
    } else {
      process.stderr.write(`stackpro: ${(error as Error).message}\n`);
    }
    return 1;
  }
}

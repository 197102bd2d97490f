/**
 * `npx stackpro <command>` (bin/stackpro.cjs) and `npm run admin -- <command>`: see bin/cli/program.ts.
 */
import { runCli } from './cli/run';

void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

/**
 * Exports the API contract (the document GET /openapi.json serves, without `servers`):
 *
 *   npm run openapi                      # to stdout
 *   npm run openapi -- --out openapi.json  # to a file
 *
 * Generated from the route table and lambdas/api/contract; nothing is fetched, no stack needs to run.
 */
import { writeFileSync } from 'node:fs';
import { buildOpenApiDocument } from '../lambdas/api/contract/openapi';

const USAGE = 'usage: npm run openapi [-- --out <file>]';

function main(argv: string[]): number {
  const outIndex = argv.indexOf('--out');
  const out = outIndex >= 0 ? argv[outIndex + 1] : undefined;
  if ((outIndex >= 0 && !out) || argv.length !== (outIndex >= 0 ? 2 : 0)) {
    console.error(USAGE);
    return 2;
  }
  const json = `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
  if (out) {
    writeFileSync(out, json);
    console.error(`Wrote ${out}`);
  } else {
    process.stdout.write(json);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));

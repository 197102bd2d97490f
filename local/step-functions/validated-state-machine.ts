import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';

/**
 * Where passed definitions are remembered: the project's own node_modules cache, as for the compiled
 * DynamoDB Local launcher (local/dynamodb-launcher.ts).
 */
const CACHE_DIR = path.resolve(__dirname, '..', '..', 'node_modules', '.cache', 'stackpro-valid-asl');

/** Definitions (as JSON) that passed validation in this process. */
const validatedHere = new Set<string>();

/**
 * A StateMachine for `definition`, validated as aws-local-stepfunctions validates it, but only once per
 * definition. Its constructor runs asl-validator, which builds and compiles a fresh Ajv schema set at every
 * call: about a fifth of the CPU a local stack start takes (one per workflow), and most of what each
 * state-machine harness test costs (a new engine per test). Validation depends on the definition alone, so
 * a definition that passed once passes again: a pass is remembered in this process and on disk (keyed by
 * the definition and the validator's version); anything else is validated, and refused, as before.
 */
export function validatedStateMachine(definition: ConstructorParameters<typeof StateMachine>[0]): StateMachine {
  const json = JSON.stringify(definition);
  const marker = path.join(CACHE_DIR, createHash('sha256').update(VALIDATOR_VERSIONS).update('\0').update(json).digest('hex'));
  if (validatedHere.has(json) || existsSync(marker)) {
    validatedHere.add(json);
    // The engine's own Parallel branches and Map iterators are built the same way.
    return new StateMachine(definition, { validationOptions: { noValidate: true } });
  }
  const machine = new StateMachine(definition);
  validatedHere.add(json);
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    writeFileSync(marker, '');
  } catch {
    // A read-only checkout validates at every start, as it did before this cache.
  }
  return machine;
}

/** The versions that decide what passes: an update of either validates every definition again. */
const VALIDATOR_VERSIONS = ['aws-local-stepfunctions', 'asl-validator'].map(packageVersion).join(' ');

function packageVersion(name: string): string {
  try {
    const entry = require.resolve(name);
    const root = entry.slice(0, entry.lastIndexOf(`node_modules${path.sep}${name}`) + `node_modules${path.sep}${name}`.length);
    return `${name}@${(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version}`;
  } catch {
    return `${name}@unknown`;
  }
}

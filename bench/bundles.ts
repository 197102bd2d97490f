import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { CUSTOMER_AUTHORIZER_HANDLER, ROUTES } from '../lambdas/api/routes';
import { WORKFLOWS } from '../statemachines/workflows';
import { nodeOptionsWithGuard, refusedHosts } from './guard';
import { median } from './stats';

const run = promisify(execFile);

export const REPO_ROOT = path.resolve(__dirname, '..');
export const EMPTY_HANDLER = 'empty handler';

/** One function to bundle: `handler` is a path under lambdas/ without extension (as in the route table). */
export interface BundleTarget {
  readonly id: string;
  readonly handler: string;
  readonly entry: string;
}

export interface BundleResult extends BundleTarget {
  readonly file: string;
  readonly bytes: number;
  readonly mapBytes: number;
  /** `@aws-sdk/*` packages the bundle requires at run time (left out, as the Lambda runtime provides them). */
  readonly externals: readonly string[];
  /** The AWS SDK clients the bundle creates, as floorOf() names them (`dynamodb`, `secrets (parameters)`, ...). */
  readonly clients: readonly string[];
  /** Bytes of index.js per package (`zod`, `@aws-lambda-powertools/logger`) or `lambdas/<dir>` for our own code. */
  readonly bytesBySource: Readonly<Record<string, number>>;
  /** Bytes of index.js per input file (`lambdas/api/http.ts`, `node_modules/zod/v4/core/schemas.js`). */
  readonly bytesByFile: Readonly<Record<string, number>>;
}

export interface ImportTiming {
  /** Median of the runs, ms: `require()` of the bundle in a fresh `node`, process start not included. */
  readonly medianMs: number;
  /** The same with `--enable-source-maps`, which every deployed function sets in NODE_OPTIONS. */
  readonly medianWithSourceMapsMs: number;
  readonly samples: readonly number[];
}

/** Every Lambda the stack deploys: one per route, the authorizer, one per workflow step, and the signing key's two. */
export function lambdaTargets(): BundleTarget[] {
  const targets = [
    ...ROUTES.map((route) => ({ id: route.id, handler: route.handler })),
    { id: 'CustomerAuthorizer', handler: CUSTOMER_AUTHORIZER_HANDLER },
    { id: 'CreateSigningKey', handler: 'infra/create-signing-key' },
    { id: 'RotateSigningKey', handler: 'infra/rotate-signing-key' },
    ...WORKFLOWS.flatMap((workflow) => Object.values(workflow.steps).map((step) => ({ id: step.id, handler: step.handler }))),
  ];
  const seen = new Set<string>();
  return targets
    .filter((target) => !seen.has(target.handler) && seen.add(target.handler))
    .map((target) => ({ ...target, entry: path.join(REPO_ROOT, 'lambdas', `${target.handler}.ts`) }));
}

/**
 * Bundles the way lib/stackpro-function.ts has CDK's NodejsFunction do it (`esbuild --bundle entry
 * --target=node24 --platform=node --main-fields=module,main --minify --sourcemap --external:@aws-sdk/*`, CommonJS, run from the
 * project root), into `<outDir>/<id>/index.js`.
 */
export async function bundle(target: BundleTarget, outDir: string): Promise<BundleResult> {
  const file = path.join(outDir, target.id, 'index.js');
  const result = await build({
    entryPoints: [target.entry],
    bundle: true,
    outfile: file,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    external: ['@aws-sdk/*'],
    mainFields: ['module', 'main'],
    absWorkingDir: REPO_ROOT,
    // Floor entries are written to a temp dir: their packages resolve from the repo, like everyone else's.
    nodePaths: [path.join(REPO_ROOT, 'node_modules')],
    // Errors come back to the caller (one line per failed function); warnings are printed here.
    logLevel: 'silent',
    metafile: true,
  });
  for (const warning of result.warnings) {
    const at = warning.location ? `${warning.location.file}:${warning.location.line}: ` : '';
    console.log(`esbuild warning in ${target.id}: ${at}${warning.text}`);
  }
  const externals = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imported of input.imports) if (imported.external && imported.path.startsWith('@aws-sdk/')) externals.add(imported.path);
  }
  const output = Object.values(result.metafile.outputs).find((candidate) => candidate.entryPoint !== undefined) ?? Object.values(result.metafile.outputs)[0];
  const bytesBySource: Record<string, number> = {};
  const bytesByFile: Record<string, number> = {};
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const source = sourceOf(input);
    bytesBySource[source] = (bytesBySource[source] ?? 0) + bytesInOutput;
    bytesByFile[input] = bytesInOutput;
  }
  return {
    ...target,
    file,
    bytes: statSync(file).size,
    mapBytes: statSync(`${file}.map`).size,
    externals: [...externals].sort(),
    clients: clientsOf(Object.keys(result.metafile.inputs)),
    bytesBySource,
    bytesByFile,
  };
}

/** `node_modules/@scope/name/...` -> `@scope/name`; `lambdas/api/x.ts` -> `lambdas/api`. */
function sourceOf(input: string): string {
  const packaged = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (packaged) return packaged[1];
  const own = /^(lambdas\/[^/]+)\//.exec(input);
  return own ? own[1] : input.replace(/\/[^/]*$/, '') || input;
}

/**
 * How the handlers create AWS SDK clients: the modules in lambdas/clients/ that construct one (each captured
 * by the tracer), and Powertools Parameters' SecretsProvider on the traced Secrets Manager client
 * (lambdas/clients/secrets.ts, used by the signing key, public keys and Stripe key modules). The floor of a
 * bundle imports exactly these.
 */
const SDK_CLIENT_MODULES = ['dynamodb', 'ec2', 'route53', 'secrets-manager', 'sesv2', 'ssm', 'step-functions'] as const;
const PARAMETERS_CLIENT = 'secrets (parameters)';

function clientsOf(inputs: readonly string[]): string[] {
  const clients = new Set<string>();
  for (const input of inputs) {
    const module = /^lambdas\/clients\/([\w-]+)\.ts$/.exec(input)?.[1];
    if (module && (SDK_CLIENT_MODULES as readonly string[]).includes(module)) clients.add(module);
    if (input.includes('node_modules/@aws-lambda-powertools/parameters/')) clients.add(PARAMETERS_CLIENT);
  }
  return [...clients].sort();
}

/**
 * The floor of a bundle: only the SDK clients its handler uses, created the same way (our client modules,
 * so the same construction and tracer capture; the SecretsProvider for Parameters), behind an empty handler, bundled
 * like every function. What a bundle weighs beyond it is the handler's own code and its other libraries.
 */
export async function bundleFloor(clients: readonly string[], outDir: string): Promise<BundleResult> {
  const id = `floor-${clients.length > 0 ? clients.join('+').replace(/[^\w+-]/g, '') : 'none'}`;
  const sourceDir = path.join(outDir, 'floor-sources');
  mkdirSync(sourceDir, { recursive: true });
  const entry = path.join(sourceDir, `${id}.ts`);
  const lines = clients.map(
    (client, i) => `import * as c${i} from ${JSON.stringify(path.join(REPO_ROOT, 'lambdas', 'clients', client === PARAMETERS_CLIENT ? 'secrets' : client))};`,
  );
  lines.push(`export const handler = async () => [${clients.map((_, i) => `c${i}`).join(', ')}].length;`);
  writeFileSync(entry, `${lines.join('\n')}\n`);
  return bundle({ id, handler: `floor: ${clients.join(', ') || 'no SDK client'}`, entry }, outDir);
}

/** The baseline: `export const handler = async () => ({})`, bundled the same way. */
export async function bundleEmptyHandler(outDir: string): Promise<BundleResult> {
  const sourceDir = path.join(outDir, 'empty-source');
  mkdirSync(sourceDir, { recursive: true });
  const entry = path.join(sourceDir, 'empty.ts');
  writeFileSync(entry, 'export const handler = async () => ({});\n');
  return bundle({ id: EMPTY_HANDLER.replace(' ', '-'), handler: EMPTY_HANDLER, entry }, outDir);
}

/**
 * What the modules need in their environment at import (lambdas/config.ts, Powertools, SDK clients at
 * module scope): dummy values only. Every AWS endpoint points at a closed local port and the AWS config
 * files at paths that do not exist, so nothing could reach the network even if module scope tried.
 * NODE_PATH makes the bundles' `require('@aws-sdk/...')` resolve from the repo's node_modules, the way
 * the Lambda runtime's NODE_PATH resolves them from its own copy.
 */
function importEnv(mode: ImportMode): NodeJS.ProcessEnv {
  return {
    ...configPlaceholders(),
    PATH: process.env.PATH,
    NODE_PATH: path.join(REPO_ROOT, 'node_modules'),
    NODE_OPTIONS: mode === 'check' ? nodeOptionsWithGuard('') : mode === 'source-maps' ? '--enable-source-maps' : '',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_CONFIG_FILE: path.join(REPO_ROOT, 'bench', 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(REPO_ROOT, 'bench', 'no-aws-credentials'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    TABLE_NAME: 'stackpro-bench',
    PROVISIONING_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:ProvisionCustomer',
    SIGNING_KEY_SECRET_ID: 'stackpro/jwt-signing-key',
    JWT_PUBLIC_KEYS_SECRET_ID: 'stackpro/jwt-public-keys',
    CUSTOMER_DOMAIN: 'customers.stackpro.localhost',
    FRONTEND_ORIGIN: 'http://localhost:5173',
    POWERTOOLS_SERVICE_NAME: 'stackpro',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  };
}

let placeholders: Record<string, string> | undefined;

/**
 * A dummy value for every variable lambdas/config.ts requires, read from its source so settings added
 * later are covered too (the config getters are lazy, so module scope should not read them anyway).
 */
function configPlaceholders(): Record<string, string> {
  placeholders ??= Object.fromEntries(
    [...readFileSync(path.join(REPO_ROOT, 'lambdas', 'config.ts'), 'utf8').matchAll(/required\('([A-Z0-9_]+)'\)/g)].map(
      (match) => [match[1], `bench-${match[1].toLowerCase()}`],
    ),
  );
  return placeholders;
}

/**
 * `plain` and `source-maps` are the timed runs. `check` is the warm-up run: with the loopback guard
 * preloaded, it fails unless the module exports `handler` and its module scope tried no host other than
 * 127.0.0.1 (it waits 300 ms for anything asynchronous).
 */
type ImportMode = 'plain' | 'source-maps' | 'check';

/** Prints the time `require(bundle)` takes in ms. */
function importScript(file: string, mode: ImportMode): string {
  return [
    'const t = process.hrtime.bigint();',
    `const m = require(${JSON.stringify(file)});`,
    'const ms = Number(process.hrtime.bigint() - t) / 1e6;',
    mode === 'check' ? "if (typeof m.handler !== 'function') throw new Error('no handler export'); setTimeout(() => {}, 300);" : '',
    'console.log(ms);',
  ].join(' ');
}

async function timeImport(file: string, mode: ImportMode): Promise<number> {
  const { stdout, stderr } = await run(process.execPath, ['-e', importScript(file, mode)], {
    cwd: REPO_ROOT,
    env: importEnv(mode),
    timeout: 30_000,
  });
  const refused = Object.keys(refusedHosts(stderr));
  if (refused.length > 0) throw new Error(`module scope tried to reach ${refused.join(', ')}`);
  const ms = Number(stdout.trim().split('\n').pop());
  if (!Number.isFinite(ms)) throw new Error(`Import of ${file} printed no timing: ${stdout}`);
  return ms;
}

/**
 * Cold import time of each bundle: `runs` fresh `node` processes per bundle and mode (one discarded
 * warm-up first, which also checks the `handler` export), run one at a time and interleaved across bundles
 * so drift on the machine hits them all alike. A bundle whose warm-up import fails is left out and its
 * error returned instead.
 */
export async function timeImports(
  files: readonly string[],
  runs: number,
): Promise<{ timings: Map<string, ImportTiming>; failures: Map<string, string> }> {
  const failures = new Map<string, string>();
  for (const file of files) {
    await timeImport(file, 'check').catch((error: Error) => failures.set(file, firstLine(error)));
  }
  const importable = files.filter((file) => !failures.has(file));
  const plain = new Map<string, number[]>(importable.map((file) => [file, []]));
  const mapped = new Map<string, number[]>(importable.map((file) => [file, []]));
  for (let round = 0; round < runs; round += 1) {
    for (const file of importable) {
      plain.get(file)!.push(await timeImport(file, 'plain'));
      mapped.get(file)!.push(await timeImport(file, 'source-maps'));
    }
  }
  const timings = new Map(
    importable.map((file) => [
      file,
      { medianMs: median(plain.get(file)!), medianWithSourceMapsMs: median(mapped.get(file)!), samples: plain.get(file)! },
    ]),
  );
  return { timings, failures };
}

/** The line of a child's or esbuild's error that says what went wrong. */
export function firstLine(error: Error & { stderr?: string }): string {
  const text = error.stderr?.split('\n').find((line) => /Error|error/.test(line)) ?? error.message;
  return text.split('\n').find((line) => line.trim() !== '' && !line.startsWith('Build failed'))?.trim() ?? text.trim();
}

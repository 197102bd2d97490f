import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

/** The launcher that binds DynamoDB Local to 127.0.0.1 (its own command line has no host option). */
export const LOOPBACK_LAUNCHER = path.join(__dirname, 'java', 'LoopbackDynamoDbLocal.java');
const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';

/**
 * Where compiled launchers are kept: the project's own node_modules cache (a shared temp dir at a name
 * anyone can predict would let another user plant a class that we then run).
 */
const CACHE_DIR = path.resolve(__dirname, '..', 'node_modules', '.cache');

/**
 * A directory holding the launcher compiled against `jar`: compiled on first use, then kept (keyed by the
 * source and the jar, so an edit or a package update compiles again). Source-file mode (`java <file>.java`)
 * compiles it in memory at every start, about 1.5 s of CPU per DynamoDB Local start, and a test run starts
 * about twenty. It compiles with the JDK compiler module that source-file mode needs anyway
 * (`java -m jdk.compiler/...`, no separate javac), for Java 17, the oldest we support. Undefined when
 * that fails: the caller falls back to source-file mode, which reports the real error.
 */
export function compiledLauncher(jar: string, cacheDir = CACHE_DIR): string | undefined {
  try {
    return compileOnce(jar, cacheDir);
  } catch {
    return undefined;
  }
}

function compileOnce(jar: string, cacheDir: string): string | undefined {
  const source = readFileSync(LOOPBACK_LAUNCHER);
  const key = createHash('sha256').update(source).update('\0').update(path.resolve(jar)).digest('hex').slice(0, 16);
  const dir = path.join(cacheDir, `stackpro-dynamodb-launcher-${key}`);
  if (existsSync(path.join(dir, `${LAUNCHER_CLASS}.class`))) return dir;

  // Compile into a private dir and rename it into place: parallel starts (Jest workers) never see half a class.
  mkdirSync(cacheDir, { recursive: true });
  const staging = mkdtempSync(path.join(cacheDir, 'stackpro-dynamodb-launcher-build-'));
  try {
    const javac = spawnSync(
      'java',
      ['-XX:TieredStopAtLevel=1', '-m', 'jdk.compiler/com.sun.tools.javac.Main', '--release', '17', '-proc:none', '-nowarn', '-cp', path.resolve(jar), '-d', staging, LOOPBACK_LAUNCHER],
      { stdio: 'ignore', timeout: 120_000 },
    );
    if (javac.status !== 0 || !existsSync(path.join(staging, `${LAUNCHER_CLASS}.class`))) return undefined;
    try {
      renameSync(staging, dir);
    } catch {
      // Another process got there first (the target exists and is not empty): use theirs.
    }
    return existsSync(path.join(dir, `${LAUNCHER_CLASS}.class`)) ? dir : undefined;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The package runs `java <library path> -jar <DynamoDBLocal.jar> <options>`, which listens on every
 * interface. The same jar and options go to our launcher instead, which listens on loopback only; the
 * jar path stays the package's, so a package update brings its new jar along. With `classDir` (see
 * compiledLauncher) the launcher runs compiled; without it, in source-file mode.
 */
export function loopbackArgs(args: readonly string[], classDir?: string): string[] {
  const jar = args.indexOf('-jar');
  if (jar < 0 || jar + 1 >= args.length) throw new Error(`Unexpected DynamoDB Local command line: ${args.join(' ')}`);
  const launcher = classDir === undefined ? ['-cp', args[jar + 1]!, LOOPBACK_LAUNCHER] : ['-cp', `${args[jar + 1]!}${path.delimiter}${classDir}`, LAUNCHER_CLASS];
  return [...args.slice(0, jar), ...JVM_FLAGS, ...launcher, ...args.slice(jar + 2), '-disableTelemetry'];
}

/**
 * A small local server, started often (about twenty times in one test run): the serial collector and
 * a heap cap start faster and keep its memory down (on a 24 GB machine the JVM's default heap is 6 GB).
 */
const JVM_FLAGS: readonly string[] = ['-XX:+UseSerialGC', '-Xms64m', '-Xmx512m'];

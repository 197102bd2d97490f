import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundle, bundleEmptyHandler, firstLine, lambdaTargets, timeImports, type BundleResult } from './bundles';
import { round } from './stats';
import { printTable } from './table';

export interface BundleFigure {
  readonly id: string;
  readonly handler: string;
  readonly kb: number;
  readonly mapKb: number;
  readonly sizeRatio: number;
  readonly importMs: number;
  readonly importRatio: number;
  readonly importWithSourceMapsMs: number;
  readonly awsSdk: readonly string[];
}

export interface BundleReport {
  readonly figures: BundleFigure[];
  /** Functions that did not build or import, with the error; they are missing from `figures`. */
  readonly failures: { id: string; handler: string; error: string }[];
}

/** Section 3: bundle every Lambda as CDK would, then time a cold `require()` of each against an empty one. */
export async function benchBundles(importRuns: number): Promise<BundleReport> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'stackpro-bench-bundles-'));
  try {
    const empty = await bundleEmptyHandler(outDir);
    const built: BundleResult[] = [empty];
    const failures: BundleReport['failures'] = [];
    for (const target of lambdaTargets()) {
      try {
        built.push(await bundle(target, outDir));
      } catch (error) {
        failures.push({ id: target.id, handler: target.handler, error: `build failed: ${firstLine(error as Error)}` });
      }
    }
    const { timings, failures: importFailures } = await timeImports(
      built.map((result) => result.file),
      importRuns,
    );
    const emptyTiming = timings.get(empty.file);
    if (!emptyTiming) throw new Error(`The empty handler did not import: ${importFailures.get(empty.file)}`);
    const figures: BundleFigure[] = [];
    for (const result of built) {
      const timing = timings.get(result.file);
      if (!timing) {
        failures.push({ id: result.id, handler: result.handler, error: `import failed: ${importFailures.get(result.file)}` });
        continue;
      }
      figures.push({
        id: result.id,
        handler: result.handler,
        kb: result.bytes / 1024,
        mapKb: result.mapBytes / 1024,
        sizeRatio: result.bytes / empty.bytes,
        importMs: timing.medianMs,
        importRatio: timing.medianMs / emptyTiming.medianMs,
        importWithSourceMapsMs: timing.medianWithSourceMapsMs,
        awsSdk: result.externals.map((name) => name.replace('@aws-sdk/', '')),
      });
    }
    printReport(figures, failures, importRuns);
    return { figures, failures };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

function printReport(figures: readonly BundleFigure[], failures: BundleReport['failures'], importRuns: number): void {
  printTable(
    '3. Lambda bundles: esbuild as CDK NodejsFunction runs it here (bundle, minify, sourcemap, platform node, target node24, cjs, external @aws-sdk/*)',
    [
      { title: 'function' },
      { title: 'handler' },
      { title: 'bundle KB' },
      { title: 'vs empty', suffix: 'x' },
      { title: 'map KB' },
      { title: `import ms (median of ${importRuns})` },
      { title: 'vs empty', suffix: 'x' },
      { title: 'import ms +source maps' },
      { title: '@aws-sdk/* required at import (not in bundle)' },
    ],
    figures.map((f) => [
      f.id,
      f.handler,
      f.kb,
      f.sizeRatio,
      f.mapKb,
      f.importMs,
      f.importRatio,
      f.importWithSourceMapsMs,
      f.awsSdk.join(', ') || '-',
    ]),
  );
  for (const failure of failures) console.log(`!! ${failure.id} (${failure.handler}): ${failure.error}`);
  console.log(
    [
      `KB = 1,024 bytes of index.js (the .map is listed apart). Import: median of ${importRuns} fresh \`node -e\` processes per bundle,`,
      'timing only require(bundle) with process.hrtime, one process at a time, interleaved across bundles, after one untimed',
      'run that checks the handler export and, under the loopback guard, that module scope tries no network.',
      "The Lambda runtime provides @aws-sdk/*; here the bundles require it from this repo's node_modules",
      "(run from the repo root with NODE_PATH=node_modules, as the runtime's NODE_PATH does), so import times include loading",
      'those SDK packages while the sizes do not. Env at import: dummy values, every AWS endpoint on a closed 127.0.0.1 port.',
      '"+source maps" adds --enable-source-maps, which every deployed function sets in NODE_OPTIONS (lib/stackpro-function.ts).',
    ].join('\n'),
  );
}

/** The figures for the JSON summary line. */
export function bundleSummary(report: BundleReport) {
  return Object.fromEntries(
    report.figures.map((f) => [
      f.id,
      {
        kb: round(f.kb, 1),
        sizeX: round(f.sizeRatio, 1),
        importMs: round(f.importMs, 1),
        importX: round(f.importRatio, 1),
        importSourceMapsMs: round(f.importWithSourceMapsMs, 1),
      },
    ]),
  );
}

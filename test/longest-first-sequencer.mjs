// Plain JavaScript: Jest loads a test sequencer as it is, without the TypeScript transform the tests get.
import path from 'node:path';
import jestSequencer from '@jest/test-sequencer';

// A CommonJS module whose export is named default.
const TestSequencer = jestSequencer.default ?? jestSequencer;

/**
 * Seconds each slow suite took in a full run on the 2-core CI machine (the rest take a few seconds or
 * less). Only the order they give matters: a stale figure costs wall time, never a result.
 */
const MEASURED_SECONDS = {
  // 48 s before its fault matrix shrank to 8 runs in a row plus one concurrent batch (estimated from the 18 runs it was).
  'test/integration/provisioning-workflow.test.ts': 30,
  'test/integration/rate-limits.test.ts': 29,
  'test/integration/billing-edges.test.ts': 28,
  'test/integration/sandbox.test.ts': 27,
  'test/integration/lambda-workers.test.ts': 22,
  'test/integration/email-verification-expiry.test.ts': 22,
  'test/integration/restart.test.ts': 20,
  'test/integration/fuzz.test.ts': 20,
  'test/integration/email-verification.test.ts': 16,
  'test/integration/sessions.test.ts': 16,
  'test/integration/billing.test.ts': 16,
  'test/integration/lifecycle-workflows.test.ts': 16,
  'test/integration/signing-key-rotation.test.ts': 14,
  'test/integration/account-api.test.ts': 11,
  'test/integration/stripe-sandbox.test.ts': 11,
  'test/infra/stackpro-stack.test.ts': 11,
  'test/integration/local-stack.test.ts': 9,
};
/** An integration suite not measured yet: it talks to a real stack, so it is rarely quicker than this. */
const UNMEASURED_INTEGRATION_SECONDS = 5;

/**
 * Longest suites first, so neither worker is left alone with a 48-second suite after the other ran dry.
 * Jest's own sequencer does that only from its cache of earlier runs, and a clean clone (CI) has none:
 * it falls back to file size, which puts the slowest integration suite mid-run. Times from the cache
 * still win (they are this machine's), then the figures above, then Jest's order (file size) among the
 * quick suites. Failed suites still go first.
 */
export default class LongestFirstSequencer extends TestSequencer {
  sort(tests) {
    const jestOrder = super.sort(tests);
    const rank = new Map(jestOrder.map((test, index) => [test, index]));
    return [...jestOrder].sort(
      (a, b) =>
        Number(this.hasFailed(b)) - Number(this.hasFailed(a)) ||
        estimatedSeconds(b) - estimatedSeconds(a) ||
        rank.get(a) - rank.get(b),
    );
  }
}

/** The cached duration (set by Jest's sort), else the measured figure, else a floor by kind of suite. */
function estimatedSeconds(test) {
  if (test.duration != null) return test.duration / 1000;
  const relative = path.relative(test.context.config.rootDir, test.path).split(path.sep).join('/');
  if (relative in MEASURED_SECONDS) return MEASURED_SECONDS[relative];
  return relative.startsWith('test/integration/') ? UNMEASURED_INTEGRATION_SECONDS : 0;
}

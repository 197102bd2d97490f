import { GENERIC_KINDS, type FuzzContext } from './fuzz/cases';
import { dynamoDbUrlFrom, fuzzStackEnv, newWebhookSecret, prepareFuzz, type FuzzStack } from './fuzz/fixture';
import { countFrom, describeFailures, runFuzz, seedFrom, type FuzzReport } from './fuzz/run-fuzz';
import { changedKinds, readState, type StackState } from './fuzz/state';
import { type LocalStackProcess, startLocalStackProcess } from './local-stack-process';

/**
 * Seeded random malformed requests against every route of the route table (and unknown routes and wrong
 * methods), on a local stack of its own so the account counts are this run's alone. Every answer must be a
 * documented error in the documented shape, never a 5xx, never carrying internals, and nothing stored or
 * provisioned may change. FUZZ_SEED replays a run (the seed is printed when it fails); FUZZ_COUNT sets its size.
 */
const SEED = seedFrom(process.env.FUZZ_SEED);
const COUNT = countFrom('FUZZ_COUNT', process.env.FUZZ_COUNT, 2_000);
const CONCURRENCY = 16;

/** Correctly signed Stripe deliveries with malformed bodies (null, no id, no data.object, unknown subscriptions). */
const SIGNED_WEBHOOK_COUNT = countFrom('FUZZ_SIGNED_WEBHOOK_COUNT', process.env.FUZZ_SIGNED_WEBHOOK_COUNT, 400);

let stack: LocalStackProcess;
let target: FuzzStack;
let context: FuzzContext;
let settled: StackState;

beforeAll(async () => {
  const webhookSecret = newWebhookSecret();
  stack = await startLocalStackProcess({ env: fuzzStackEnv(webhookSecret) });
  target = { apiUrl: stack.apiUrl, edgeUrl: stack.edgeUrl, dynamoDbUrl: dynamoDbUrlFrom(stack.output()), dataDir: stack.dataDir };
  ({ context, settled } = await prepareFuzz(target, webhookSecret));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** Runs the cases, then fails with every bad answer (and the seed) or with any change to the stack's state. */
async function fuzz(kinds: Parameters<typeof runFuzz>[0]['kinds'], count: number, seed: number, reproduce: string): Promise<FuzzReport> {
  const report = await runFuzz({ apiUrl: target.apiUrl, seed, count, concurrency: CONCURRENCY, context, kinds });
  if (report.failures.length > 0) throw new Error(describeFailures(report, `${reproduce} npx jest test/integration/fuzz.test.ts --selectProjects integration`));
  const after = await readState(target.dynamoDbUrl, target.edgeUrl);
  expect({ seed, changedKinds: changedKinds(settled, after) }).toEqual({ seed, changedKinds: {} });
  expect({ seed, inventory: after.inventory }).toEqual({ seed, inventory: settled.inventory });
  settled = after;
  return report;
}

describe(`fuzz: ${COUNT} malformed requests on every route (FUZZ_SEED=${SEED})`, () => {
  it('answers each with a documented 4xx in the documented shape, leaks nothing, and changes no account or sandbox resource', async () => {
    // The state check sees the fixtures (so an unchanged count means something).
    expect(settled.kinds).toMatchObject({ customer: 2, credentials: 2, slug: 2 });
    const report = await fuzz(GENERIC_KINDS, COUNT, SEED, `FUZZ_SEED=${SEED} FUZZ_COUNT=${COUNT}`);
    // At suite size, every kind of malformation was tried and reached past the gateway (not all 404s).
    if (COUNT >= 500) {
      expect(Object.keys(report.byKind).sort()).toEqual([...GENERIC_KINDS].sort());
      for (const answer of ['400 VALIDATION_FAILED', '400 INVALID_JSON', '401 UNAUTHORIZED', '404 NOT_FOUND', '405 METHOD_NOT_ALLOWED', '400 INVALID_SIGNATURE', '403 FORBIDDEN']) {
        expect(report.byAnswer).toHaveProperty([answer]);
      }
    }
  }, 120_000);
});

describe(`fuzz: ${SIGNED_WEBHOOK_COUNT} correctly signed Stripe webhooks with malformed bodies (FUZZ_SEED=${SEED})`, () => {
  it('answers each with 200 (ignored) or a documented 4xx, never a 5xx, and changes no account', async () => {
    await fuzz(['signed-webhook'], SIGNED_WEBHOOK_COUNT, SEED, `FUZZ_SEED=${SEED} FUZZ_SIGNED_WEBHOOK_COUNT=${SIGNED_WEBHOOK_COUNT}`);
  }, 120_000);
});

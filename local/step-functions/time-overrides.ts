import type { TimeOverrides } from './engine';

interface AslStatesLike {
  readonly States: Readonly<Record<string, AslStateLike>>;
}

interface AslStateLike {
  readonly Type: string;
  readonly Seconds?: number;
  readonly Retry?: ReadonlyArray<{ readonly IntervalSeconds?: number }>;
  readonly Branches?: readonly AslStatesLike[];
  readonly ItemProcessor?: AslStatesLike;
  readonly Iterator?: AslStatesLike;
}

/** ASL's default Retry IntervalSeconds. */
const DEFAULT_INTERVAL_SECONDS = 1;

/**
 * Wait and Retry overrides that run a definition on a compressed clock: every `Wait` with `Seconds`
 * sleeps `toMs(Seconds)`, every retrier waits `toMs(IntervalSeconds)` (aws-local-stepfunctions then
 * applies neither backoff nor jitter), in Parallel branches and Map processors too, since the engine
 * keys overrides by state name.
 */
export function scaledTimeOverrides(definition: AslStatesLike, toMs: (modelSeconds: number) => number): Required<TimeOverrides> {
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number[]> = {};
  const visit = (machine: AslStatesLike) => {
    for (const [name, state] of Object.entries(machine.States)) {
      if (state.Type === 'Wait' && typeof state.Seconds === 'number') waitTimeOverrides[name] = toMs(state.Seconds);
      if (state.Retry?.length) retryIntervalOverrides[name] = state.Retry.map((retrier) => toMs(retrier.IntervalSeconds ?? DEFAULT_INTERVAL_SECONDS));
      state.Branches?.forEach(visit);
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) visit(processor);
    }
  };
  visit(definition);
  return { waitTimeOverrides, retryIntervalOverrides };
}

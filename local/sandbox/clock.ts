/**
 * The sandbox's one clock: how long each modelled AWS behaviour takes, in MODEL seconds, and how model
 * time maps to real time. The same mapping compresses the Step Functions Wait states and Retry intervals,
 * so a workflow's polling keeps the ratio it has in AWS.
 *
 * Profiles (STACKPRO_SANDBOX_PROFILE):
 * - `instant`: scale 0, everything happens at once (unit-like integration tests).
 * - `fast` (default): scale 0.01 (100x), Wait states capped at 200 ms: signup to active in a few seconds.
 * - `realistic`: scale 1, the public figures at real speed, unless STACKPRO_SANDBOX_TIME_SCALE compresses
 *   them (0.01 = 100x faster); benchmarks report model seconds (real / scale).
 * STACKPRO_SANDBOX_TIME_SCALE overrides the scale of any profile.
 */
export type SandboxProfile = 'instant' | 'fast' | 'realistic';

export const SANDBOX_PROFILES: readonly SandboxProfile[] = ['instant', 'fast', 'realistic'];

/** Model durations in seconds, anchored on the public figures in TOOLCHAIN.md. */
export const MODEL_SECONDS = {
  /** RunInstances answers in about 1.5 s. */
  runInstancesLatency: 1.5,
  /** pending -> running: about 5 s in AWS; modelled conservatively at 10 s. */
  instanceBoot: 10,
  /** stopping -> stopped. */
  instanceStop: 15,
  /** shutting-down -> terminated. */
  instanceTerminate: 10,
  /** An instance that dies on its own (fault `InstanceOutcome`): pending, then shutting-down after this. */
  instanceCrash: 5,
  /** The SSM agent reports Online this long after the instance is running (25-30 s). */
  ssmAgentOnline: 25,
  /** Route 53 changes go PENDING -> INSYNC usually within 60 s. */
  route53InSync: 45,
  /** SES Easy DKIM: minutes in practice, up to 72 h; modelled at 2 minutes (once the CNAMEs exist). */
  sesDkimVerification: 120,
  /** GetCommandInvocation answers InvocationDoesNotExist this long after SendCommand. */
  ssmInvocationVisible: 0.5,
  /** A command invocation stays Pending this long, then InProgress. */
  ssmCommandPending: 2,
  /** The deployment command runs to completion in about a minute. */
  ssmCommandDuration: 60,
  /** A short AWS-RunShellScript (the resize's file-system growth or apps check) takes a few seconds. */
  shellCommandDuration: 5,
  /** Terminated instances stay visible to DescribeInstances for about an hour. */
  terminatedVisible: 3600,
} as const;

export type ModelDuration = keyof typeof MODEL_SECONDS;

const DEFAULT_SCALE: Record<SandboxProfile, number> = { instant: 0, fast: 0.01, realistic: 1 };
/** fast only: no Wait state sleeps longer than this (the email check waits 3600 model seconds). */
const FAST_WAIT_CAP_MS = 200;

export interface SandboxClockSettings {
  readonly profile: SandboxProfile;
  /** Real seconds per model second. */
  readonly scale: number;
  /** The longest a Step Functions Wait or Retry may sleep, in real ms (undefined: no cap). */
  readonly waitCapMs?: number;
}

export class SandboxClock {
  constructor(
    readonly settings: SandboxClockSettings,
    private readonly nowMs: () => number = Date.now,
  ) {}

  get profile(): SandboxProfile {
    return this.settings.profile;
  }

  get scale(): number {
    return this.settings.scale;
  }

  /** Wall-clock now, in epoch ms (state transitions are stored as real instants). */
  now(): number {
    return this.nowMs();
  }

  /** Real milliseconds for a model duration. */
  realMs(duration: ModelDuration): number {
    return this.secondsToMs(MODEL_SECONDS[duration]);
  }

  /** Real milliseconds for any number of model seconds. */
  secondsToMs(modelSeconds: number): number {
    return Math.round(modelSeconds * this.scale * 1000);
  }

  /** Real milliseconds a workflow Wait or Retry of `modelSeconds` sleeps (capped on the fast profile). */
  workflowMs(modelSeconds: number): number {
    const ms = this.secondsToMs(modelSeconds);
    return this.settings.waitCapMs === undefined ? ms : Math.min(ms, this.settings.waitCapMs);
  }

  /** The instant a model duration from `from` ends. */
  after(duration: ModelDuration, from = this.now()): number {
    return from + this.realMs(duration);
  }

  /** Sleeps for a model duration (API latency); no timer at all when it rounds to 0. */
  async sleep(duration: ModelDuration): Promise<void> {
    const ms = this.realMs(duration);
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  }

  describe() {
    return {
      profile: this.profile,
      scale: this.scale,
      waitCapMs: this.settings.waitCapMs ?? null,
      modelSeconds: MODEL_SECONDS,
      realMs: Object.fromEntries(Object.keys(MODEL_SECONDS).map((key) => [key, this.realMs(key as ModelDuration)])),
    };
  }
}

/** Reads STACKPRO_SANDBOX_PROFILE and STACKPRO_SANDBOX_TIME_SCALE, failing in one line on a bad value. */
export function clockSettingsFromEnv(env: NodeJS.ProcessEnv): SandboxClockSettings {
  const rawProfile = env.STACKPRO_SANDBOX_PROFILE || 'fast';
  if (!SANDBOX_PROFILES.includes(rawProfile as SandboxProfile)) {
    throw new Error(`STACKPRO_SANDBOX_PROFILE must be one of ${SANDBOX_PROFILES.join(', ')}, got "${rawProfile}"`);
  }
  const profile = rawProfile as SandboxProfile;
  let scale = DEFAULT_SCALE[profile];
  const rawScale = env.STACKPRO_SANDBOX_TIME_SCALE;
  if (rawScale !== undefined && rawScale !== '') {
    scale = Number(rawScale);
    if (!Number.isFinite(scale) || scale < 0 || scale > 10) {
      throw new Error(`STACKPRO_SANDBOX_TIME_SCALE must be a number from 0 to 10 (real seconds per model second), got "${rawScale}"`);
    }
  }
  return { profile, scale, waitCapMs: profile === 'fast' ? FAST_WAIT_CAP_MS : undefined };
}

import { loadDefinition } from '../../../../statemachines/definition-loader';
import { PROVISION_CUSTOMER } from '../../../../statemachines/workflows';
import { clockSettingsFromEnv, SandboxClock } from '../../../../local/sandbox/clock';
import { scaledTimeOverrides } from '../../../../local/step-functions/time-overrides';

describe('clockSettingsFromEnv', () => {
  it('defaults to the fast profile: 100x compressed, Waits capped at 200 ms', () => {
    expect(clockSettingsFromEnv({})).toEqual({ profile: 'fast', scale: 0.01, waitCapMs: 200 });
  });

  it('runs realistic at real speed unless a time scale compresses it', () => {
    expect(clockSettingsFromEnv({ STACKPRO_SANDBOX_PROFILE: 'realistic' })).toEqual({ profile: 'realistic', scale: 1, waitCapMs: undefined });
    expect(clockSettingsFromEnv({ STACKPRO_SANDBOX_PROFILE: 'realistic', STACKPRO_SANDBOX_TIME_SCALE: '0.01' }).scale).toBe(0.01);
  });

  it('makes everything immediate on the instant profile', () => {
    const clock = new SandboxClock(clockSettingsFromEnv({ STACKPRO_SANDBOX_PROFILE: 'instant' }));

    expect(clock.realMs('route53InSync')).toBe(0);
    expect(clock.workflowMs(3600)).toBe(0);
  });

  it.each([
    [{ STACKPRO_SANDBOX_PROFILE: 'slow' }, /STACKPRO_SANDBOX_PROFILE must be one of instant, fast, realistic/],
    [{ STACKPRO_SANDBOX_TIME_SCALE: 'fast' }, /STACKPRO_SANDBOX_TIME_SCALE must be a number/],
    [{ STACKPRO_SANDBOX_TIME_SCALE: '-1' }, /STACKPRO_SANDBOX_TIME_SCALE must be a number/],
  ])('refuses %j in one line', (env, message) => {
    expect(() => clockSettingsFromEnv(env)).toThrow(message);
  });

  it('caps workflow sleeps on the fast profile but not the sandbox delays', () => {
    const clock = new SandboxClock(clockSettingsFromEnv({}));

    expect(clock.workflowMs(5)).toBe(50);
    expect(clock.workflowMs(3600)).toBe(200);
    expect(clock.realMs('sesDkimVerification')).toBe(1200);
  });
});

describe('scaledTimeOverrides', () => {
  const definition = loadDefinition(PROVISION_CUSTOMER) as unknown as Parameters<typeof scaledTimeOverrides>[0];

  it('scales every Wait, including those inside Parallel branches', () => {
    // The provisioning workflow polls by retrying (no Wait left), so a small machine of its own.
    const waits = {
      States: {
        'Boot in parallel': { Type: 'Parallel', Branches: [{ States: { 'Wait for instance to boot': { Type: 'Wait', Seconds: 5 } } }] },
        'Wait for DNS change': { Type: 'Wait', Seconds: 15 },
      },
    };
    const { waitTimeOverrides } = scaledTimeOverrides(waits, (seconds) => seconds * 10);

    expect(waitTimeOverrides).toEqual({ 'Wait for instance to boot': 50, 'Wait for DNS change': 150 });
  });

  it('scales every retrier of every retrying state, by position', () => {
    const { retryIntervalOverrides } = scaledTimeOverrides(definition, (seconds) => seconds * 10);

    // Inside the Parallel: the capacity wait's retrier (60 s) first, then the throttling one (2 s).
    expect(retryIntervalOverrides['Launch instance']).toEqual([600, 20]);
    expect(retryIntervalOverrides['Start provisioning']).toEqual([20]);
    // A check: its not-ready poll interval (5 s) first, then the standard transient retry the loader appends.
    expect(retryIntervalOverrides['Check instance']).toEqual([50, 20]);
  });
});

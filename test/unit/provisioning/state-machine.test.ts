import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LambdaHandler } from '../../../local/handler-loader';
import { StepFunctionsEngine, stateMachineArn } from '../../../local/step-functions/engine';
import type { ExecutionRecord } from '../../../local/step-functions/execution-store';
import { loadDefinition } from '../../../statemachines/definition-loader';
import { PROVISION_CUSTOMER } from '../../../statemachines/workflows';

/**
 * The provisioning ASL file's control flow, run by the local engine with fake step handlers keyed by
 * handler path: which steps run, in which order, what retries absorb, and how every failure ends in the
 * full rollback. The real steps run end to end in test/integration/provisioning-workflow.test.ts; this
 * harness covers the matrix of steps and failures in milliseconds. Waits and retry intervals are zero.
 * A check step throws NotReadyError until what it waits for is there; its Task retries that name.
 */
type Fake = jest.Mock<Promise<unknown>, [Record<string, unknown>]>;
let dataDir: string;
let fakes: Record<string, Fake>;
/** Every step invocation, in order, as handler path. */
let calls: string[];

function named(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

const fake = (result: unknown): Fake => jest.fn(async (_input: Record<string, unknown>) => result);
/** A check step: NotReadyError (which its Task retries) `notReady` times, then `result`. */
const check = (result: Record<string, unknown>, notReady = 0): Fake => {
  let calls = 0;
  return jest.fn(async (_input: Record<string, unknown>) => {
    calls += 1;
    if (calls <= notReady) throw named('NotReadyError', 'still pending');
    return result;
  });
};

const ROLLBACK = [
  'billing/cancel-subscription',
  'provisioning/remove-dns-records',
  'provisioning/delete-email-identity',
  'provisioning/terminate-instances',
  'messaging/release-messaging-channels',
  'provisioning/mark-provisioning-failed',
];

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'stackpro-provisioning-'));
  calls = [];
  fakes = {
    'provisioning/start-provisioning': fake({ plan: 'business', instanceType: 't3.small', subdomain: 'acme.customers.test' }),
    'provisioning/launch-instance': fake({ instanceId: 'i-1' }),
    'provisioning/check-instance': check({ instanceId: 'i-1', publicIp: '203.0.113.9' }, 1),
    'provisioning/create-email-identity': fake({ identity: 'acme.customers.test', dkimTokens: ['a', 'b', 'c'] }),
    'provisioning/publish-dkim-records': fake({ changeId: 'C0' }),
    'billing/set-up-billing': fake({ stripeCustomerId: 'cus_1', subscriptionId: 'sub_1' }),
    'provisioning/point-subdomain': fake({ changeId: 'C1' }),
    'provisioning/check-dns-change': check({ changeId: 'C1' }, 1),
    'provisioning/check-ssm-agent': check({ online: true }, 1),
    'provisioning/deploy-applications': fake({ commandId: 'cmd-1' }),
    'provisioning/check-deployment': check({ commandId: 'cmd-1' }, 2),
    'provisioning/activate-customer': fake({ status: 'active', email: 'pending_verification' }),
    'provisioning/send-welcome-email': fake({ sent: true }),
    'billing/cancel-subscription': fake({ cancelled: true }),
    'provisioning/remove-dns-records': fake({ removed: [] }),
    'provisioning/delete-email-identity': fake({ deleted: true }),
    'provisioning/terminate-instances': fake({ terminated: ['i-1'] }),
    'messaging/allocate-messaging-channels': fake({ allocated: true, whatsapp: true }),
    'messaging/release-messaging-channels': fake({ released: true }),
    'provisioning/mark-provisioning-failed': jest.fn(async (input) => ({ reason: `${(input.error as { Error: string }).Error}: it broke` })),
  };
});

afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

async function run(input: object = { customerId: 'cust-1', attempt: 1 }): Promise<ExecutionRecord> {
  const engine = new StepFunctionsEngine({
    workflows: [PROVISION_CUSTOMER],
    dataDir,
    loadHandler: async (handlerPath) => {
      const handler = fakes[handlerPath];
      if (!handler) throw new Error(`no fake for ${handlerPath}`);
      return (async (event: Record<string, unknown>) => {
        calls.push(handlerPath);
        return handler(event);
      }) as unknown as LambdaHandler;
    },
    timeScale: () => 0,
  });
  const started = engine.start({ stateMachineArn: stateMachineArn(PROVISION_CUSTOMER.id), name: 'acme-cust-1', input: JSON.stringify(input) });
  return (await engine.settled(started.executionArn)) as ExecutionRecord;
}

const calledWith = (handlerPath: string) => fakes[handlerPath].mock.calls.map(([input]) => input);
const rollbackCalls = () => calls.filter((handlerPath) => ROLLBACK.includes(handlerPath));

describe('ProvisionCustomer state machine', () => {
  it('runs every step once (checks retried until ready) and succeeds, with no rollback', async () => {
    const execution = await run();

    expect(execution.status).toBe('SUCCEEDED');
    expect(rollbackCalls()).toEqual([]);
    expect(calls[0]).toBe('provisioning/start-provisioning');
    // Activation waits for both parallel stages; the welcome email is last (DKIM is the scheduled sweep's job).
    const activated = calls.indexOf('provisioning/activate-customer');
    for (const before of ['provisioning/check-deployment', 'provisioning/check-dns-change', 'billing/set-up-billing', 'provisioning/publish-dkim-records']) {
      expect(calls.lastIndexOf(before)).toBeLessThan(activated);
    }
    expect(calls.at(-1)).toBe('provisioning/send-welcome-email');
    expect(calls.filter((handlerPath) => handlerPath === 'provisioning/activate-customer')).toHaveLength(1);
    // Each check is retried while not ready: one more call per retry, no Wait or Choice states around it.
    expect(calledWith('provisioning/check-instance')).toHaveLength(2);
    expect(calledWith('provisioning/check-deployment')).toHaveLength(3);
    const { States } = loadDefinition(PROVISION_CUSTOMER);
    const branchTypes = (States['Launch server and set up email'].Branches ?? []).flatMap((branch) => Object.values(branch.States).map((state) => state.Type));
    expect(new Set([...branchTypes, ...Object.values(States).map((state) => state.Type)])).toEqual(new Set(['Task', 'Parallel', 'Succeed', 'Fail']));
    // The DNS change propagates during the deployment and is checked after it (usually at once).
    expect(calls.indexOf('provisioning/point-subdomain')).toBeLessThan(calls.indexOf('provisioning/check-ssm-agent'));
    expect(calls.indexOf('provisioning/check-dns-change')).toBeGreaterThan(calls.lastIndexOf('provisioning/check-deployment'));
    // Steps get ids only, and the values earlier steps produced.
    expect(calledWith('provisioning/launch-instance')[0]).toEqual({
      customerId: 'cust-1', executionName: 'acme-cust-1', stepName: 'Launch instance', workflowId: 'ProvisionCustomer', attempt: 1, instanceType: 't3.small', plan: 'business',
      executionStartTime: expect.any(String), capacityWaitSeconds: '86400',
    });
    expect(calledWith('provisioning/point-subdomain')[0]).toMatchObject({ subdomain: 'acme.customers.test', publicIp: '203.0.113.9' });
    expect(calledWith('provisioning/deploy-applications')[0]).toMatchObject({ instanceId: 'i-1', subdomain: 'acme.customers.test', plan: 'business' });
    expect(calledWith('provisioning/activate-customer')[0]).toMatchObject({ instanceId: 'i-1', publicIp: '203.0.113.9' });
    // Messaging channels are allocated beside the launch, once, before activation, with the attempt (its ClientToken).
    expect(calledWith('messaging/allocate-messaging-channels')).toEqual([expect.objectContaining({ customerId: 'cust-1', attempt: 1, stepName: 'Allocate messaging channels' })]);
    expect(calls.indexOf('messaging/allocate-messaging-channels')).toBeLessThan(activated);
  });

  it('releases the channels it allocated when a later step fails for good, and still rolls back the rest when the release fails', async () => {
    fakes['provisioning/check-deployment'].mockRejectedValue(named('InvalidDocument'));
    fakes['messaging/release-messaging-channels'].mockRejectedValue(named('AccessDeniedException'));

    const execution = await run();

    expect(execution.status).toBe('FAILED');
    expect(calledWith('messaging/allocate-messaging-channels')).toHaveLength(1);
    // Retried (the rollback's own States.ALL policy), then recorded as a leftover by Mark customer failed.
    expect(calledWith('messaging/release-messaging-channels').length).toBeGreaterThan(1);
    expect(calledWith('messaging/release-messaging-channels')[0]).toMatchObject({ customerId: 'cust-1', reason: 'rollback' });
    expect(calledWith('provisioning/mark-provisioning-failed')[0]).toMatchObject({ error: { Error: 'InvalidDocument' }, rollback: { rollbackMessagingError: { Error: 'AccessDeniedException' } } });
  });

  const stepsThatRollBack = [
    'provisioning/launch-instance',
    'provisioning/check-instance',
    'provisioning/create-email-identity',
    'provisioning/publish-dkim-records',
    'billing/set-up-billing',
    'messaging/allocate-messaging-channels',
    'provisioning/point-subdomain',
    'provisioning/check-dns-change',
    'provisioning/check-ssm-agent',
    'provisioning/deploy-applications',
    'provisioning/check-deployment',
    'provisioning/activate-customer',
  ];

  it.each(stepsThatRollBack)('retries a throttled %s, then carries on to success', async (handlerPath) => {
    fakes[handlerPath].mockRejectedValueOnce(named('TransientError', 'ThrottlingException'));

    const execution = await run();

    expect(execution.status).toBe('SUCCEEDED');
    expect(rollbackCalls()).toEqual([]);
    expect(fakes[handlerPath].mock.calls.length).toBeGreaterThanOrEqual(2);
  });

  it.each(stepsThatRollBack)('rolls back everything, in reverse order, when %s fails for good', async (handlerPath) => {
    fakes[handlerPath].mockRejectedValue(named('AccessDeniedException', 'not allowed'));

    const execution = await run();

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ProvisioningFailed');
    expect(execution.cause).toBe('AccessDeniedException: it broke');
    // Every undo runs once even when that part was never created: each is idempotent and finds by tag.
    expect(rollbackCalls()).toEqual(ROLLBACK);
    expect(calledWith('provisioning/mark-provisioning-failed')[0]).toMatchObject({ error: { Error: 'AccessDeniedException' } });
    expect(fakes['provisioning/activate-customer'].mock.calls.length).toBe(handlerPath === 'provisioning/activate-customer' ? 1 : 0);
  });

  // [check step, its state]: each polls by retrying NotReadyError, bounded like the loops it replaced.
  it.each([
    ['provisioning/check-instance', 'Check instance', 60],
    ['provisioning/check-dns-change', 'Check DNS change', 40],
    ['provisioning/check-ssm-agent', 'Check instance agent', 60],
    ['provisioning/check-deployment', 'Check deployment', 90],
  ])('rolls back when %s is never ready, after its %s Task retried it %i times', async (handlerPath, _state, retries) => {
    fakes[handlerPath].mockRejectedValue(named('NotReadyError', 'Deployment command cmd-1 is still InProgress'));

    const execution = await run();

    expect(execution.status).toBe('FAILED');
    expect(fakes[handlerPath].mock.calls).toHaveLength(retries + 1);
    expect(rollbackCalls()).toEqual(ROLLBACK);
    expect(calledWith('provisioning/mark-provisioning-failed')[0]).toMatchObject({ error: { Error: 'NotReadyError' } });
  });

  it('retries a throttled check as well as a not-ready one: the standard retry follows the check\'s own', async () => {
    fakes['provisioning/check-deployment'] = fake({ commandId: 'cmd-1' })
      .mockRejectedValueOnce(named('NotReadyError'))
      .mockRejectedValueOnce(named('TransientError', 'ThrottlingException'))
      .mockRejectedValueOnce(named('NotReadyError'));

    const execution = await run();

    expect(execution.status).toBe('SUCCEEDED');
    expect(fakes['provisioning/check-deployment'].mock.calls).toHaveLength(4);
    const retry = loadDefinition(PROVISION_CUSTOMER).States['Check deployment'].Retry;
    expect(retry?.map((retrier) => retrier.ErrorEquals[0])).toEqual(['NotReadyError', 'TransientError']);
  });

  it('keeps rolling back when an undo fails for good, and still records the failure', async () => {
    fakes['provisioning/deploy-applications'].mockRejectedValue(named('InvalidDocument'));
    fakes['provisioning/remove-dns-records'].mockRejectedValue(named('AccessDenied'));

    const execution = await run();

    expect(execution.status).toBe('FAILED');
    expect(rollbackCalls().filter((c) => c !== 'provisioning/remove-dns-records')).toEqual(ROLLBACK.filter((c) => c !== 'provisioning/remove-dns-records'));
    expect(calledWith('provisioning/mark-provisioning-failed')).toHaveLength(1);
  });

  it('waits for capacity: retries InstanceCapacityError with backoff until the server can be launched', async () => {
    fakes['provisioning/launch-instance']
      .mockRejectedValueOnce(named('InstanceCapacityError', 'Waiting for server capacity'))
      .mockRejectedValueOnce(named('InstanceCapacityError', 'Waiting for server capacity'))
      .mockRejectedValueOnce(named('InstanceCapacityError', 'Waiting for server capacity'));

    const execution = await run();

    expect(execution.status).toBe('SUCCEEDED');
    expect(fakes['provisioning/launch-instance'].mock.calls).toHaveLength(4);
    expect(rollbackCalls()).toEqual([]);
    const retrier = loadDefinition(PROVISION_CUSTOMER).States['Launch server and set up email'].Branches?.[0].States['Launch instance'].Retry?.[0];
    expect(retrier).toMatchObject({ ErrorEquals: ['InstanceCapacityError'], BackoffRate: 2, MaxDelaySeconds: 1800 });
  });

  it('rolls back everything once the capacity wait has run out (CapacityWaitExpiredError)', async () => {
    fakes['provisioning/launch-instance']
      .mockRejectedValueOnce(named('InstanceCapacityError', 'Waiting for server capacity'))
      .mockRejectedValue(named('CapacityWaitExpiredError', 'No server capacity for t3.small became available within 24 hours'));

    const execution = await run();

    expect(execution.status).toBe('FAILED');
    expect(rollbackCalls()).toEqual(ROLLBACK);
    expect(calledWith('provisioning/mark-provisioning-failed')[0]).toMatchObject({ error: { Error: 'CapacityWaitExpiredError' } });
  });

  it('passes the capacity wait the deployment sets to the launch step, and lets the execution outlast it', () => {
    const launch = (waits?: Record<string, number>) => {
      const definition = loadDefinition(PROVISION_CUSTOMER, undefined, waits);
      const state = definition.States['Launch server and set up email'].Branches?.[0].States['Launch instance'];
      return { timeout: definition.TimeoutSeconds, wait: (state?.Parameters?.Payload as Record<string, unknown>).capacityWaitSeconds };
    };
    expect(launch()).toEqual({ timeout: 3600 + 86400, wait: '86400' });
    expect(launch({ CapacityWaitSeconds: 7200 })).toEqual({ timeout: 3600 + 7200, wait: '7200' });
    expect(() => launch({ CapacityWaitSeconds: 8 * 86400 })).toThrow(/CapacityWaitSeconds must be a whole number of seconds from 0 to 604800/);
  });

  it('stops without touching anything when a newer attempt owns the customer', async () => {
    fakes['provisioning/activate-customer'].mockRejectedValue(named('StaleExecutionError'));

    const execution = await run();

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ProvisioningSuperseded');
    expect(rollbackCalls()).toEqual([]);
  });

  it('ends as "Customer no longer exists" without a rollback when the account is gone', async () => {
    fakes['provisioning/start-provisioning'].mockRejectedValue(named('CustomerNotFoundError'));

    const execution = await run();

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('CustomerNotFound');
    expect(calls).toEqual(['provisioning/start-provisioning']);
  });

  it('stays live when the welcome email fails for good, logging it once as not sent', async () => {
    fakes['provisioning/send-welcome-email'].mockImplementation(async (event) => {
      if (event.giveUp) return { sent: false };
      throw named('MessageRejected');
    });

    const execution = await run();

    expect(execution.status).toBe('SUCCEEDED');
    expect(rollbackCalls()).toEqual([]);
    expect(calledWith('provisioning/send-welcome-email').at(-1)).toMatchObject({ giveUp: true, error: { Error: 'MessageRejected' } });
  });

  it('ends right after the welcome email while the email domain is still unverified: no wait loop per customer', async () => {
    const execution = await run();

    expect(execution.status).toBe('SUCCEEDED');
    expect(calledWith('provisioning/activate-customer')).toHaveLength(1);
    expect(Object.keys(PROVISION_CUSTOMER.steps).some((arn) => arn.includes('EmailVerification'))).toBe(false);
    const { States } = loadDefinition(PROVISION_CUSTOMER);
    expect(States['Send welcome email'].Next).toBe('Customer is live');
    expect(Object.keys(States).filter((name) => /verif/i.test(name))).toEqual([]);
  });
});

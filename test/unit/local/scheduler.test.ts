import type { LambdaHandler } from '../../../local/handler-loader';
import { startLocalScheduler } from '../../../local/scheduler';
import type { ScheduledJob } from '../../../lambdas/scheduled/jobs';

const job: ScheduledJob = { id: 'SweepThings', handler: 'scheduled/sweep-things', description: 'test', everyMinutes: 60, access: [], onFailure: 'test' };

function schedulerWith(handler: LambdaHandler, msPerMinute = 60_000) {
  const loadHandler = jest.fn(async () => handler);
  return { scheduler: startLocalScheduler({ jobs: [job], loadHandler, msPerMinute }), loadHandler };
}

const post = (body: string) => ({ method: 'POST', path: '/_sandbox/schedules/run', query: new URLSearchParams(), headers: {}, body: Buffer.from(body), region: 'us-east-1' });

describe('local scheduler', () => {
  it('runs a job with the event EventBridge sends, for the moment asked', async () => {
    const handler = jest.fn(async (event: unknown) => ({ seen: (event as { time: string }).time }));
    const { scheduler, loadHandler } = schedulerWith(handler);
    try {
      const result = await scheduler.run('SweepThings', new Date('2030-01-08T00:00:00.000Z'));
      expect(result).toEqual({ seen: '2030-01-08T00:00:00.000Z' });
      expect(loadHandler).toHaveBeenCalledWith('scheduled/sweep-things');
      expect(handler.mock.calls[0][0]).toMatchObject({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
    } finally {
      scheduler.stop();
    }
  });

  it('runs each job on its rate', async () => {
    jest.useFakeTimers();
    try {
      const handler = jest.fn(async () => 'ok');
      const { scheduler } = schedulerWith(handler, 10);
      await jest.advanceTimersByTimeAsync(60 * 10 * 2 + 5);
      expect(handler).toHaveBeenCalledTimes(2);
      scheduler.stop();
      await jest.advanceTimersByTimeAsync(60 * 10 * 3);
      expect(handler).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('runs a job on its own interval when the stack gives one (the DKIM sweep on the sandbox clock)', async () => {
    jest.useFakeTimers();
    try {
      const handler = jest.fn(async () => 'ok');
      const scheduler = startLocalScheduler({ jobs: [job], loadHandler: jest.fn(async () => handler), intervalMs: () => 200 });
      await jest.advanceTimersByTimeAsync(200 * 3 + 5);
      expect(handler).toHaveBeenCalledTimes(3);
      scheduler.stop();
    } finally {
      jest.useRealTimers();
    }
  });

  it('never overlaps two runs of one job', async () => {
    let active = 0;
    let most = 0;
    const handler = async () => {
      active += 1;
      most = Math.max(most, active);
      await new Promise((resolve) => setImmediate(resolve));
      active -= 1;
    };
    const { scheduler } = schedulerWith(handler);
    await Promise.all([scheduler.run('SweepThings'), scheduler.run('SweepThings'), scheduler.run('SweepThings')]);
    expect(most).toBe(1);
    scheduler.stop();
  });

  it.each([
    ['not JSON', '{', 400],
    ['an unknown job', '{"job":"Nope"}', 400],
    ['a time that is not one', '{"job":"SweepThings","time":"tomorrow"}', 400],
  ])('refuses %s on the sandbox control', async (_label, body, status) => {
    const { scheduler } = schedulerWith(async () => 'ok');
    const res = await scheduler.routes['POST /_sandbox/schedules/run'](post(body));
    expect(res.statusCode).toBe(status);
    scheduler.stop();
  });

  it('answers the run and its result on the sandbox control', async () => {
    const { scheduler } = schedulerWith(async (event) => ({ at: (event as { time: string }).time }));
    const res = await scheduler.routes['POST /_sandbox/schedules/run'](post('{"job":"SweepThings","time":"2030-01-01T00:00:00Z"}'));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(String(res.body))).toEqual({ job: 'SweepThings', time: '2030-01-01T00:00:00.000Z', result: { at: '2030-01-01T00:00:00.000Z' } });
    scheduler.stop();
  });
});

import { jsonResponse } from './edge/aws-json';
import type { EdgeRequest, EdgeResponse } from './edge/edge-service';
import type { SandboxRoute } from './edge/server';
import type { HandlerLoader } from './handler-loader';
import { createLambdaContext } from './lambda-context';
import type { ScheduledEvent, ScheduledJob } from '../lambdas/scheduled/jobs';

export interface LocalSchedulerOptions {
  readonly jobs: readonly ScheduledJob[];
  readonly loadHandler: HandlerLoader;
  /**
   * Real milliseconds per scheduled minute. @default 60_000 (the jobs' own rates)
   */
  readonly msPerMinute?: number;
  /**
   * A job's own interval in real ms, overriding `everyMinutes * msPerMinute` (undefined: no override). The
   * local stack uses it for jobs that wait on modelled AWS durations, so they follow the sandbox's clock.
   */
  readonly intervalMs?: (job: ScheduledJob) => number | undefined;
}

export interface LocalScheduler {
  /** Runs one job now, for the given moment (default: now), and resolves its result. */
  run(jobId: string, time?: Date): Promise<unknown>;
  /** `POST /_sandbox/schedules/run` and `GET /_sandbox/schedules` for the edge port. */
  readonly routes: Readonly<Record<string, SandboxRoute>>;
  stop(): void;
}

/**
 * EventBridge schedules for the local stack: each job of lambdas/scheduled/jobs.ts runs its handler on
 * its own rate, in-process, with the event EventBridge would send (`time` = the scheduled time). A run
 * never overlaps the previous one of the same job. Sandbox-only, a run can be asked for any moment, so
 * tests see "8 days later" without waiting.
 */
export function startLocalScheduler(options: LocalSchedulerOptions): LocalScheduler {
  const byId = new Map(options.jobs.map((job) => [job.id, job]));
  const running = new Map<string, Promise<unknown>>();
  const lastRuns = new Map<string, { time: string; ok: boolean }>();

  const run = async (jobId: string, time = new Date()): Promise<unknown> => {
    const job = byId.get(jobId);
    if (!job) throw new Error(`No scheduled job ${jobId}`);
    // Queue behind a run still going, like a Lambda with reserved concurrency 1.
    const previous = running.get(jobId) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        const handler = await options.loadHandler(job.handler);
        const event: ScheduledEvent & Record<string, unknown> = {
          version: '0',
          source: 'aws.events',
          'detail-type': 'Scheduled Event',
          time: time.toISOString(),
          detail: {},
        };
        return handler(event, createLambdaContext({ functionName: job.id, timeoutMs: 5 * 60_000 }));
      });
    running.set(jobId, next);
    try {
      const result = await next;
      lastRuns.set(jobId, { time: time.toISOString(), ok: true });
      return result;
    } catch (error) {
      lastRuns.set(jobId, { time: time.toISOString(), ok: false });
      throw error;
    } finally {
      if (running.get(jobId) === next) running.delete(jobId);
    }
  };

  const msPerMinute = options.msPerMinute ?? 60_000;
  const timers = options.jobs.map((job) =>
    setInterval(() => {
      run(job.id).catch((error: unknown) => console.error(`[scheduler] ${job.id} failed:`, error instanceof Error ? error.message : error));
    }, options.intervalMs?.(job) ?? job.everyMinutes * msPerMinute),
  );
  for (const timer of timers) timer.unref();

  const routes: Record<string, SandboxRoute> = {
    'GET /_sandbox/schedules': () =>
      json(200, { jobs: options.jobs.map((job) => ({ id: job.id, everyMinutes: job.everyMinutes, lastRun: lastRuns.get(job.id) ?? null })) }),
    'POST /_sandbox/schedules/run': (request) => runRoute(request, byId, run),
  };
  return { run, routes, stop: () => timers.forEach((timer) => clearInterval(timer)) };
}

async function runRoute(request: EdgeRequest, jobs: ReadonlyMap<string, ScheduledJob>, run: LocalScheduler['run']): Promise<EdgeResponse> {
  let body: unknown;
  try {
    body = JSON.parse(request.body.toString('utf8') || '{}');
  } catch {
    return json(400, { error: 'The body must be JSON: {"job", "time"?}' });
  }
  const { job, time } = (body ?? {}) as { job?: unknown; time?: unknown };
  if (typeof job !== 'string' || !jobs.has(job)) return json(400, { error: `job must be one of ${[...jobs.keys()].join(', ')}` });
  if (time !== undefined && (typeof time !== 'string' || Number.isNaN(Date.parse(time)))) {
    return json(400, { error: 'time must be an ISO-8601 timestamp' });
  }
  const at = time === undefined ? new Date() : new Date(time);
  try {
    return json(200, { job, time: at.toISOString(), result: await run(job, at) });
  } catch (error) {
    return json(500, { job, time: at.toISOString(), error: error instanceof Error ? error.name : 'Error' });
  }
}

function json(statusCode: number, body: unknown): EdgeResponse {
  return jsonResponse(statusCode, 'application/json', body);
}

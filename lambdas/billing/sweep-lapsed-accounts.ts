import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { logger } from '../observability';
import type { ScheduledEvent } from '../scheduled/jobs';
import { sweepLapsedAccounts } from '../services/sweep-lapsed-accounts';

const Event = z.object({ time: z.iso.datetime({ offset: true }) });

/**
 * Scheduled daily (lambdas/scheduled/jobs.ts): deprovisions accounts suspended past the retention period. The clock is the event's `time`, so a run can be
 * asked for any moment (the local stack's `POST /_sandbox/schedules/run`).
 */
export const handler = middy<ScheduledEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => sweepLapsedAccounts(Date.parse(Event.parse(event).time)));

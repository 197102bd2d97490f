import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { logger } from '../observability';
import type { ScheduledEvent } from '../scheduled/jobs';
import { deleteExpiredSnapshots } from '../services/delete-expired-snapshots';

const Event = z.object({ time: z.iso.datetime({ offset: true }) });

/**
 * Scheduled daily (lambdas/scheduled/jobs.ts): deletes final backups older than their retention. The clock is the event's `time`, so a run can be
 * asked for any moment (the local stack's `POST /_sandbox/schedules/run`).
 */
export const handler = middy<ScheduledEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => deleteExpiredSnapshots(Date.parse(Event.parse(event).time)));

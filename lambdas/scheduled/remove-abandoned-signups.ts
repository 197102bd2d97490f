import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { logger } from '../observability';
import { removeAbandonedSignups, type CleanupResult } from '../services/remove-abandoned-signups';
import type { ScheduledEvent } from './jobs';

const Event = z.object({ time: z.iso.datetime({ offset: true }) });

/**
 * Scheduled hourly: removes unverified accounts older than 7 days. The clock is the event's `time`, so a
 * run can be asked for any moment (the local stack's `POST /_sandbox/schedules/run`).
 */
export const handler = middy<ScheduledEvent, CleanupResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => removeAbandonedSignups(Date.parse(Event.parse(event).time)));

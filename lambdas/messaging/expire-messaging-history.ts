import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { logger } from '../observability';
import type { ScheduledEvent } from '../scheduled/jobs';
import { expireMessagingHistory } from './expire-history';

const Event = z.object({ time: z.iso.datetime({ offset: true }) });
/** Stop starting new pages this long before the Lambda's timeout: a page is a few hundred deletes. */
const MARGIN_MS = 30_000;

/**
 * Scheduled daily (lambdas/scheduled/jobs.ts MESSAGING_JOBS): deletes the messaging history of customers
 * released more than the retention period ago. The clock is the event's `time`, so a run can be asked for
 * any moment (the local stack's `POST /_sandbox/schedules/run`).
 */
export const handler = middy<ScheduledEvent, unknown, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event, context) => {
    const hasTime = () => typeof context?.getRemainingTimeInMillis !== 'function' || context.getRemainingTimeInMillis() > MARGIN_MS;
    const run = await expireMessagingHistory(new Date(Event.parse(event).time), hasTime);
    logger.info('Messaging history expired', { ...run });
    return run;
  });

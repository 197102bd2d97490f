import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { logger } from '../observability';
import { collectUsage, type UsageCollectionResult } from '../services/collect-usage';
import type { ScheduledEvent } from './jobs';

const Event = z.object({ time: z.iso.datetime({ offset: true }) });

/** Scheduled every 15 minutes: measures every customer's disk, data out and backups (README "Usage"). */
export const handler = middy<ScheduledEvent, UsageCollectionResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => collectUsage(Date.parse(Event.parse(event).time)));

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../observability';
import { deleteExpiredSnapshots } from '../services/delete-expired-snapshots';

/** EventBridge schedule (lib/billing-sweeps.ts): deletes final backups older than their retention. */
export const handler = middy<ScheduledEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => deleteExpiredSnapshots(Date.now()));

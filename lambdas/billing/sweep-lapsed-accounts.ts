import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../observability';
import { sweepLapsedAccounts } from '../services/sweep-lapsed-accounts';

/** EventBridge schedule (lib/billing-sweeps.ts): deprovisions accounts suspended past the retention period. */
export const handler = middy<ScheduledEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => sweepLapsedAccounts(Date.now()));

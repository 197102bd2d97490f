import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { logger } from '../observability';
import { verifyEmailDomains, type EmailVerificationSweepResult } from '../services/verify-email-domains';
import type { ScheduledEvent } from './jobs';

const Event = z.object({ time: z.iso.datetime({ offset: true }) });

/**
 * Scheduled every 5 minutes: marks the email service `running` for customers whose DKIM SES has verified
 * since activation, and stops checking after 72 hours. The clock is the event's `time`.
 */
export const handler = middy<ScheduledEvent, EmailVerificationSweepResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => verifyEmailDomains(Date.parse(Event.parse(event).time)));

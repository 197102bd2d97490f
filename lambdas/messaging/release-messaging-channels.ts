import * as z from 'zod/mini';
import { config } from '../config';
import { StepContext, workflowStep } from '../workflows/step-kit';
import { releaseMessagingChannels } from './release-channels';

const ReleaseInput = z.extend(StepContext, { reason: z.enum(['rollback', 'deprovision', 'plan']) });

/**
 * "Release messaging channels": the SMS number released, the WhatsApp number back to the pool, the widget key
 * revoked and the routing removed; in provisioning's rollback, in deprovisioning, and after a plan change to
 * starter. Idempotent: a retry finishes what is left. The history is deleted after the retention period.
 */
export const handler = workflowStep(ReleaseInput, async ({ customerId, reason }) => {
  const release = await releaseMessagingChannels(customerId, reason, { retentionDays: config.messagingHistoryRetentionDays() });
  return {
    output: { released: release.released },
    message: release.released
      ? `Released: ${release.what.join(', ') || 'messaging channels'}${release.historyExpiresAt ? `; the message history is deleted after ${release.historyExpiresAt.slice(0, 10)}` : ''}`
      : `Nothing to release: ${release.why}`,
  };
});

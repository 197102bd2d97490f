import * as z from 'zod/mini';
import { StepContext, text, workflowStep } from '../workflows/step-kit';
import { allocateMessagingChannels } from './allocate-channels';

/** Provisioning passes its attempt, a plan change its change id: each allocation has its own ClientToken. */
const AllocateInput = z.extend(StepContext, {
  attempt: z.optional(z.number().check(z.int(), z.positive())),
  changeId: z.optional(text()),
});

/**
 * "Allocate messaging channels": gives a business or enterprise customer its SMS and WhatsApp numbers and
 * widget key, in provisioning (beside the server's launch) and after a plan change to such a plan. A
 * starter customer gets none, and its progress message says so.
 */
export const handler = workflowStep(AllocateInput, async ({ customerId, attempt, changeId }) => {
  const allocation = await allocateMessagingChannels(customerId, changeId ? `plan-${changeId}` : `attempt-${attempt ?? 1}`);
  return {
    output: allocation.allocated ? { allocated: true, whatsapp: allocation.channels.whatsapp !== undefined } : { allocated: false },
    message: allocation.allocated
      ? allocation.channels.whatsapp
        ? 'SMS and WhatsApp numbers and the widget key are ready'
        : 'SMS number and widget key ready; no linked WhatsApp number is free yet'
      : `No messaging channels: ${allocation.why}`,
  };
});

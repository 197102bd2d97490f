import { StepContext, workflowStep } from '../workflows/step-kit';
import { allocateMessagingChannels } from './allocate-channels';

/**
 * "Allocate messaging channels": the provisioning step that gives a business or enterprise customer its SMS
 * and WhatsApp numbers and widget key (a starter customer gets none). Not in provision-customer.asl.json yet:
 * see README "Messaging" for what is left.
 */
export const handler = workflowStep(StepContext, async ({ customerId }) => {
  const allocation = await allocateMessagingChannels(customerId);
  return {
    output: allocation.allocated ? { allocated: true, whatsapp: allocation.channels.whatsapp !== undefined } : { allocated: false },
    message: allocation.allocated
      ? allocation.channels.whatsapp
        ? 'SMS and WhatsApp numbers and the widget key are ready'
        : 'SMS number and widget key ready; no linked WhatsApp number is free yet'
      : `No messaging channels: ${allocation.why}`,
  };
});

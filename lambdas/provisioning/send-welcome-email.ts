import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { sesv2 } from '../clients/sesv2';
import { config } from '../config';
import { getCustomer } from '../repositories/accounts';
import { markWelcomeEmailSent } from '../repositories/customer-status';
import { StepContext, provisioningStep } from './step';
import { CustomerNotFoundError } from './errors';
import { welcomeEmail } from './welcome-email';

/**
 * "Send welcome email": tells the customer their stack is ready. Sent before it is marked, so a crash in
 * between can at worst repeat it, never lose it; a retry after the mark sends nothing.
 */
export const handler = provisioningStep('Activate and notify', StepContext, async ({ customerId }) => {
  const customer = await getCustomer(customerId);
  if (!customer) throw new CustomerNotFoundError(`Customer ${customerId} does not exist`);
  if (customer.welcomeEmailSentAt) return { output: { sent: false }, message: 'Welcome email already sent' };
  const { subject, text, html } = welcomeEmail(customer);
  await sesv2.send(
    new SendEmailCommand({
      FromEmailAddress: config.senderAddress(),
      Destination: { ToAddresses: [customer.email] },
      Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: text }, Html: { Data: html } } } },
    }),
  );
  await markWelcomeEmailSent(customerId);
  return { output: { sent: true }, message: 'Stack ready; welcome email sent' };
});

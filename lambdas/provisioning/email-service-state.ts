import { GetEmailIdentityCommand } from '@aws-sdk/client-sesv2';
import { sesv2 } from '../clients/sesv2';
import type { ServiceState } from '../repositories/infrastructure';

/** Email works once SES has verified the domain's DKIM records, which may take up to 72 hours. */
export async function emailServiceState(identity: string): Promise<ServiceState> {
  const result = await sesv2.send(new GetEmailIdentityCommand({ EmailIdentity: identity }));
  return result.VerifiedForSendingStatus ? 'running' : 'pending_verification';
}

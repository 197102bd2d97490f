import { randomBytes } from 'node:crypto';
import { AddTagsToResourceCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { CUSTOMER_SECRETS, type CustomerSecret, customerParameterName, INSTANCE_TAG } from '../core/customer-secrets';
import { ssm } from '../clients/ssm';
import { config } from '../config';

/** A random secret of `length` URL-safe characters (letters, digits, `-`, `_`): safe in an env file line. */
export function randomSecret(length: number): string {
  return randomBytes(Math.ceil((length * 3) / 4)).toString('base64url').slice(0, length);
}

/**
 * Makes sure every secret of the customer exists and is readable by `instanceId` only: a missing secret is
 * created (SecureString, random, tagged on creation); an existing one keeps its value and gets its
 * StackProInstance tag pointed at this instance (a retried provisioning launches a new one, and the old one
 * must lose access). Idempotent and safe to run concurrently: PutParameter without Overwrite lets exactly
 * one writer create the value; the others re-tag it with the same ARN. Values are never returned or logged.
 */
export async function ensureCustomerSecrets(customerId: string, instanceId: string): Promise<{ created: number; retagged: number }> {
  const instanceArn = `${config.instanceArnPrefix()}${instanceId}`;
  const outcomes = await Promise.all(
    (Object.keys(CUSTOMER_SECRETS) as CustomerSecret[]).map(async (secret) => {
      const name = customerParameterName(customerId, secret);
      try {
        await ssm.send(
          new PutParameterCommand({
            Name: name,
            Type: 'SecureString',
            Value: randomSecret(CUSTOMER_SECRETS[secret].length),
            Overwrite: false,
            Description: `StackPro customer secret; readable only by the instance in the ${INSTANCE_TAG} tag`,
            Tags: [
              { Key: INSTANCE_TAG, Value: instanceArn },
              { Key: 'Customer', Value: customerId },
              { Key: 'ManagedBy', Value: 'stackpro' },
            ],
          }),
        );
        return 'created';
      } catch (error) {
        if ((error as Error).name !== 'ParameterAlreadyExists') throw error;
        await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: name, Tags: [{ Key: INSTANCE_TAG, Value: instanceArn }] }));
        return 'retagged';
      }
    }),
  );
  return { created: outcomes.filter((outcome) => outcome === 'created').length, retagged: outcomes.filter((outcome) => outcome === 'retagged').length };
}

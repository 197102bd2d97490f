import { randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../local-env';
import { AwsServiceError, awsJsonService, epochSeconds, requiredString } from './aws-json';
import type { EdgeService } from './edge-service';

interface StoredSecret {
  readonly arn: string;
  readonly name: string;
  readonly versionId: string;
  readonly secretString: string;
  readonly createdAt: number;
}

/** The secrets the local stack serves (the JWT signing key now, Stripe keys later), by name. */
export class SecretStore {
  private readonly secrets = new Map<string, StoredSecret>();

  put(name: string, secretString: string): void {
    // Real ARNs end in a random 6-character suffix; clients must not rely on guessing it.
    const suffix = randomUUID().slice(0, 6);
    this.secrets.set(name, {
      arn: `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:secret:${name}-${suffix}`,
      name,
      versionId: randomUUID(),
      secretString,
      createdAt: Date.now(),
    });
  }

  /** By name or full ARN, as GetSecretValue accepts both. */
  find(secretId: string): StoredSecret | undefined {
    return this.secrets.get(secretId) ?? [...this.secrets.values()].find((secret) => secret.arn === secretId);
  }
}

export function secretsManagerService(store: SecretStore): EdgeService {
  return awsJsonService({
    targetPrefix: 'secretsmanager',
    jsonVersion: '1.1',
    operations: {
      GetSecretValue: (input) => {
        const secretId = requiredString(input, 'SecretId');
        const secret = store.find(secretId);
        if (!secret) {
          throw new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        }
        return {
          ARN: secret.arn,
          Name: secret.name,
          VersionId: secret.versionId,
          SecretString: secret.secretString,
          VersionStages: ['AWSCURRENT'],
          CreatedDate: epochSeconds(secret.createdAt),
        };
      },
    },
  });
}

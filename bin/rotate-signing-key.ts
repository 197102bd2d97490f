import {
  DescribeSecretCommand,
  InvalidRequestException,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { earliestNextRotation } from '../lambdas/core/signing-keys';
import { LOCAL_REGION, SIGNING_KEY_SECRET_ID } from '../local/local-env';

/**
 * `npm run admin -- rotate-signing-key`: rotates the JWT signing key now, through Secrets Manager's
 * RotateSecret, so the same rotation function as the schedule runs (in AWS, or in the local stack's edge).
 * It waits until the new key is current. Tokens signed with the previous key keep working until they expire.
 */
export interface RotationTarget {
  readonly description: string;
  readonly secretId: string;
  readonly client: SecretsManagerClient;
}

export type RotationOutcome =
  | { readonly kind: 'rotated'; readonly versionId: string }
  | { readonly kind: 'too-soon'; readonly notBefore: Date }
  /** The rotation function refused or failed: its logs say why. */
  | { readonly kind: 'failed'; readonly versionId: string }
  | { readonly kind: 'timed-out'; readonly versionId: string };

/** How long a new version may take to show in DescribeSecret before its absence means failure. */
const VERSION_LISTING_GRACE_MS = 10_000;

export interface RotateOptions {
  /** @default 120_000 */
  readonly timeoutMs?: number;
  /** @default 500 */
  readonly pollMs?: number;
}

/**
 * `--secret-id <arn>` (or STACKPRO_SIGNING_KEY_SECRET_ID; the stack's SigningKeySecretArn output) rotates
 * the deployed key with the default AWS credential chain; otherwise the local stack's, on its edge port
 * (`--edge <url>`, else STACKPRO_EDGE_URL, else http://127.0.0.1:$SANDBOX_PORT or 4566).
 */
export function rotationTarget(args: { secretId?: string; edge?: string }, env: NodeJS.ProcessEnv): RotationTarget {
  const secretId = args.secretId ?? env.STACKPRO_SIGNING_KEY_SECRET_ID;
  if (secretId) {
    const region = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):/.exec(secretId)?.[1] ?? env.AWS_REGION;
    return { description: `the deployed stack (${secretId})`, secretId, client: new SecretsManagerClient({ region }) };
  }
  const edge = args.edge ?? env.STACKPRO_EDGE_URL ?? `http://127.0.0.1:${env.SANDBOX_PORT ?? 4566}`;
  return {
    description: `the local stack (${edge})`,
    secretId: SIGNING_KEY_SECRET_ID,
    client: new SecretsManagerClient({ endpoint: edge, region: LOCAL_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  };
}

export async function rotateSigningKey(target: RotationTarget, options: RotateOptions = {}): Promise<RotationOutcome> {
  const { client, secretId } = target;
  const before = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  if (!before.RotationEnabled) throw new Error(`Rotation is not enabled on ${secretId}: deploy the stack (it sets the rotation schedule)`);
  // The rotation function refuses this too; saying it here spares a failed rotation in the logs.
  if (before.LastRotatedDate) {
    const notBefore = earliestNextRotation(before.LastRotatedDate);
    if (Date.now() < notBefore.getTime()) return { kind: 'too-soon', notBefore };
  }

  let versionId: string;
  try {
    versionId = (await client.send(new RotateSecretCommand({ SecretId: secretId, RotateImmediately: true }))).VersionId ?? '';
  } catch (error) {
    // An unfinished rotation is reattempted by Secrets Manager itself: follow that one.
    if (!(error instanceof InvalidRequestException) || !/previous rotation isn't complete/i.test(error.message)) throw error;
    const unfinished = await pendingVersion(client, secretId);
    if (!unfinished) throw error;
    versionId = unfinished;
  }
  return waitForRotation(client, secretId, versionId, options);
}

async function waitForRotation(client: SecretsManagerClient, secretId: string, versionId: string, options: RotateOptions): Promise<RotationOutcome> {
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 120_000);
  let seen = false;
  for (;;) {
    const stages = (await client.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages?.[versionId] ?? [];
    if (stages.includes('AWSCURRENT')) return { kind: 'rotated', versionId };
    if (stages.includes('AWSPENDING')) seen = true;
    // A version that was pending and no longer is was cancelled or failed; one never seen may just not be
    // listed yet, for a moment.
    else if (seen || Date.now() - started > VERSION_LISTING_GRACE_MS) return { kind: 'failed', versionId };
    if (Date.now() > deadline) return { kind: 'timed-out', versionId };
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}

async function pendingVersion(client: SecretsManagerClient, secretId: string): Promise<string | undefined> {
  const versions = (await client.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages ?? {};
  return Object.entries(versions).find(([, stages]) => stages.includes('AWSPENDING') && !stages.includes('AWSCURRENT'))?.[0];
}

/** The command: prints what happened; exit code 0 only when the new key is current. */
export async function runRotateSigningKey(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const option = (name: string) => {
    const index = argv.indexOf(name);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const target = rotationTarget({ secretId: option('--secret-id'), edge: option('--edge') }, env);
  try {
    const outcome = await rotateSigningKey(target);
    switch (outcome.kind) {
      case 'rotated':
        console.log(
          `Rotated the signing key of ${target.description}: version ${outcome.versionId} is current. ` +
            'Tokens signed with the previous key stay valid until they expire; new tokens use the new key within 5 minutes.',
        );
        return 0;
      case 'too-soon':
        console.error(
          `Not rotated: the previous key may still have valid tokens, and a rotation now would drop it. ` +
            `The next rotation can start at ${outcome.notBefore.toISOString()}.`,
        );
        return 1;
      case 'failed':
        console.error(`The rotation (version ${outcome.versionId}) was refused or failed: see the RotateSigningKey function's logs. The current key is unchanged.`);
        return 1;
      case 'timed-out':
        console.error(`The rotation (version ${outcome.versionId}) has not finished yet; Secrets Manager keeps going. Check again with DescribeSecret.`);
        return 1;
    }
  } finally {
    target.client.destroy();
  }
}

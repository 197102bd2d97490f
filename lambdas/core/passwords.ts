import { randomBytes } from 'node:crypto';
import { argon2id, argon2Verify } from 'hash-wasm';

/**
 * argon2id at OWASP's minimum (19 MiB, t=2, p=1), in WebAssembly so it bundles into the Lambda with no
 * native addon. The encoded hash carries its parameters, so raising them later keeps old hashes valid.
 */
export const ARGON2_PARAMS = { memorySize: 19 * 1024, iterations: 2, parallelism: 1, hashLength: 32 } as const;

export async function hashPassword(password: string): Promise<string> {
  return argon2id({ password, salt: randomBytes(16), ...ARGON2_PARAMS, outputType: 'encoded' });
}

export async function verifyPassword(password: string, encodedHash: string): Promise<boolean> {
  try {
    return await argon2Verify({ password, hash: encodedHash });
  } catch {
    // A corrupt stored hash must fail closed, not crash the login.
    return false;
  }
}

/**
 * A hash of a random password nobody knows, with the same parameters as real hashes (a unit test keeps
 * them in step). A constant, so no cold start pays for computing it.
 */
export const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$k4LFRpK+4agAmVY9tdQxsQ$Le86DT33HARHBIIXmEBPsfSNS6o9DpRRQLgTSVIrB/4';

/**
 * Verifies against the dummy hash, so a login for an unknown email costs the same time as a wrong
 * password and response timing does not reveal which emails exist.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(password, DUMMY_HASH);
  return false;
}

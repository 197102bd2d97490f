import { ARGON2_PARAMS, DUMMY_HASH, hashPassword, verifyAgainstDummy, verifyPassword } from '../../../lambdas/core/passwords';

describe('passwords', () => {
  it('hashes with argon2id at OWASP minimums and a fresh salt each time', async () => {
    const [a, b] = await Promise.all([hashPassword('correct horse battery'), hashPassword('correct horse battery')]);
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
  });

  it('verifies the right password only', async () => {
    const hash = await hashPassword('correct horse battery');
    await expect(verifyPassword('correct horse battery', hash)).resolves.toBe(true);
    await expect(verifyPassword('correct horse battery!', hash)).resolves.toBe(false);
  });

  it('fails closed on a corrupt stored hash', async () => {
    await expect(verifyPassword('whatever-password', '$argon2id$garbage')).resolves.toBe(false);
  });

  it('keeps the dummy hash on the same parameters as real hashes, so both cost the same', async () => {
    const real = await hashPassword('any password at all');
    const params = (hash: string) => hash.split('$').slice(1, 4).join('$');
    expect(params(DUMMY_HASH)).toBe(params(real));
    expect(params(DUMMY_HASH)).toBe(`argon2id$v=19$m=${ARGON2_PARAMS.memorySize},t=${ARGON2_PARAMS.iterations},p=${ARGON2_PARAMS.parallelism}`);
  });

  it('checks unknown emails against a dummy hash and always says no', async () => {
    await expect(verifyAgainstDummy('any password at all')).resolves.toBe(false);
  });
});

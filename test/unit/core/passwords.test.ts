import { hashPassword, verifyAgainstDummy, verifyPassword } from '../../../lambdas/core/passwords';

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

  it('checks unknown emails against a dummy hash and always says no', async () => {
    await expect(verifyAgainstDummy('any password at all')).resolves.toBe(false);
  });
});

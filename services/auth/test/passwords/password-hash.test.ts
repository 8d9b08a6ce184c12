import { burnPasswordCheck, hashPassword, verifyPassword } from '../../src/passwords/password-hash';

describe('password hashing', () => {
  it('verifies the right password and refuses others', async () => {
    const hash = await hashPassword('correct horse battery', 1024);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{86}$/);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same password', 1024)).not.toBe(await hashPassword('same password', 1024));
  });

  it('verifies with the parameters stored in the hash, so the cost can be raised later', async () => {
    const old = await hashPassword('pw-pw-pw-pw', 1024);
    expect(await verifyPassword('pw-pw-pw-pw', old)).toBe(true);
  });

  it('treats Unicode compositions alike (NFKC)', async () => {
    const hash = await hashPassword('caf\u00e9 au lait', 1024);
    expect(await verifyPassword('cafe\u0301 au lait', hash)).toBe(true);
  });

  it('refuses malformed stored hashes instead of throwing', async () => {
    expect(await verifyPassword('x', 'plaintext')).toBe(false);
    expect(await verifyPassword('x', 'bcrypt$a$b$c$d$e')).toBe(false);
  });

  it('burns a check for unknown accounts and always says no', async () => {
    expect(await burnPasswordCheck('anything', 1024)).toBe(false);
  });
});

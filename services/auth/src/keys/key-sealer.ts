import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import { ConfigError } from '@authbus/common';

const VERSION = 'v1';

/**
 * Seals private keys for the store: AES-256-GCM under `KEYS_ENCRYPTION_KEY` (32 random bytes,
 * base64), a fresh 96-bit IV per key, the kid as additional data (a sealed key copied to another
 * record does not open). The store, its backups and its logs see only `v1.<iv>.<tag>.<ciphertext>`.
 */
export class KeySealer {
  private constructor(private readonly key: Buffer) {}

  /** From the base64 of 32 bytes; throws `ConfigError` naming the variable otherwise. */
  static fromBase64(value: string, name = 'KEYS_ENCRYPTION_KEY'): KeySealer {
    const key = Buffer.from(value, 'base64');
    if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== value.replace(/=+$/, '')) {
      throw new ConfigError(`${name} must be 32 random bytes in base64 (openssl rand -base64 32)`);
    }
    return new KeySealer(key);
  }

  seal(kid: string, privateKey: KeyObject): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(kid));
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    const sealed = Buffer.concat([cipher.update(der), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), sealed]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** The PKCS#8 DER of a sealed key; throws when it was sealed under another key or for another kid. */
  open(kid: string, sealed: string): Buffer {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || data === undefined)
      throw new Error(`Sealed key ${kid} is not ${VERSION}`);
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'))
      .setAAD(Buffer.from(kid))
      .setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]);
  }
}

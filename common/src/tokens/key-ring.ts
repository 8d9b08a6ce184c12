import { KeyObject, createPrivateKey, createPublicKey, createSecretKey } from 'node:crypto';
import { ConfigError } from '../errors/config-error';
import { KeyAmbiguousError, KeyUnknownError } from '../errors/token-errors';

/** Algorithms authbus signs and verifies with. */
export type JwtAlgorithm = 'HS256' | 'ES256' | 'RS256';

/** One key of the ring, as configured. Give exactly one of `secret`, `privateKey`, `publicKey`. */
export type KeySpec =
  | { kid: string; secret: string | Buffer }
  | { kid: string; privateKey: string | Buffer | KeyObject }
  | { kid: string; publicKey: string | Buffer | KeyObject };

/** A key ready for use: `KeyObject`s created once, algorithm pinned. */
export interface JwtKey {
  readonly kid: string;
  readonly alg: JwtAlgorithm;
  readonly verifyKey: KeyObject;
  /** Present when this process may sign with the key (HS secret or private key). */
  readonly signKey?: KeyObject;
}

/** The keys a service trusts, looked up by `kid`; the active one signs. */
export interface KeyRing {
  /** The kid new tokens are signed with, if this ring can sign. */
  readonly activeKid: string | undefined;
  readonly kids: readonly string[];
  /** Every key of the ring, in configuration order. */
  readonly keys: readonly JwtKey[];
  /** The key with this kid, if the ring holds it. */
  key(kid: string): JwtKey | undefined;
  /** The key for a token header; throws `KeyUnknownError` / `KeyAmbiguousError`. */
  select(header: { kid?: string | undefined; alg: string }): JwtKey;
  /** The active signing key; throws `ConfigError` when the ring cannot sign. */
  signer(): JwtKey;
  /**
   * For a ring whose keys can change while the process runs: call `listener` with the kid of each
   * key that leaves the ring, and return a function that stops it. The auth kit listens to drop
   * every cached token verified with that key (`createAuthKit`'s verified-token cache), so a
   * withdrawn key refuses its tokens at once. A ring built by `createKeyRing` never changes and
   * has none.
   */
  onKeyRemoved?(listener: (kid: string) => void): () => void;
}

/** Minimum HS256 secret length: 32 bytes, the size of the HMAC-SHA256 output. */
export const MIN_SECRET_BYTES = 32;

const KID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** Build a key ring once at start-up. Throws `ConfigError` with a clear message on bad keys. */
export function createKeyRing(options: { keys: readonly KeySpec[]; activeKid?: string }): KeyRing {
  if (options.keys.length === 0) throw new ConfigError('The key ring needs at least one key');
  const byKid = new Map<string, JwtKey>();
  for (const spec of options.keys) {
    if (byKid.has(spec.kid)) throw new ConfigError(`Key id "${spec.kid}" appears twice`);
    byKid.set(spec.kid, jwtKeyOf(spec));
  }
  const activeKid = options.activeKid ?? onlySigningKid(byKid);
  if (activeKid !== undefined) {
    const active = byKid.get(activeKid);
    if (!active) throw new ConfigError(`Active key id "${activeKid}" is not in the key ring`);
    if (!active.signKey) throw new ConfigError(`Active key "${activeKid}" is a public key and cannot sign`);
  }
  return new MapKeyRing(byKid, activeKid);
}

class MapKeyRing implements KeyRing {
  readonly kids: readonly string[];
  readonly keys: readonly JwtKey[];

  constructor(
    private readonly byKid: ReadonlyMap<string, JwtKey>,
    readonly activeKid: string | undefined,
  ) {
    this.kids = [...byKid.keys()];
    this.keys = [...byKid.values()];
  }

  key(kid: string): JwtKey | undefined {
    return this.byKid.get(kid);
  }

  select(header: { kid?: string | undefined; alg: string }): JwtKey {
    return selectKey(this.byKid, header);
  }

  signer(): JwtKey {
    return signerOf(this.byKid, this.activeKid);
  }
}

/** The key for a token header, by `kid` (and `alg`), or the only key of that `alg` when there is no kid. */
export function selectKey(
  byKid: ReadonlyMap<string, JwtKey>,
  header: { kid?: string | undefined; alg: string },
): JwtKey {
  if (header.kid !== undefined) {
    const key = byKid.get(header.kid);
    if (!key || key.alg !== header.alg) throw new KeyUnknownError();
    return key;
  }
  let found: JwtKey | undefined;
  for (const key of byKid.values()) {
    if (key.alg !== header.alg) continue;
    if (found) throw new KeyAmbiguousError();
    found = key;
  }
  if (!found) throw new KeyUnknownError();
  return found;
}

/** The active signing key; throws `ConfigError` when there is none. */
export function signerOf(byKid: ReadonlyMap<string, JwtKey>, activeKid: string | undefined): JwtKey {
  const key = activeKid === undefined ? undefined : byKid.get(activeKid);
  if (!key?.signKey) throw new ConfigError('This key ring has no active signing key');
  return key;
}

function onlySigningKid(byKid: ReadonlyMap<string, JwtKey>): string | undefined {
  const signing = [...byKid.values()].filter((k) => k.signKey);
  return signing.length === 1 ? signing[0]!.kid : undefined;
}

/** One key, checked (kid syntax, curve, size) and made ready for use. Throws `ConfigError`. */
export function jwtKeyOf(spec: KeySpec): JwtKey {
  if (!KID_PATTERN.test(spec.kid)) {
    throw new ConfigError(`Key id "${spec.kid}" must be 1-64 characters of A-Z a-z 0-9 . _ -`);
  }
  try {
    if ('secret' in spec) {
      const bytes = typeof spec.secret === 'string' ? Buffer.from(spec.secret) : spec.secret;
      refuseKeyAsSecret(spec.kid, bytes);
      const secret = createSecretKey(bytes);
      if (secret.symmetricKeySize! < MIN_SECRET_BYTES) {
        throw new ConfigError(
          `HS256 secret "${spec.kid}" is ${secret.symmetricKeySize} bytes; use at least ${MIN_SECRET_BYTES} random bytes (e.g. openssl rand -base64 48)`,
        );
      }
      return { kid: spec.kid, alg: 'HS256', verifyKey: secret, signKey: secret };
    }
    if ('privateKey' in spec) {
      const signKey = isKeyObject(spec.privateKey) ? spec.privateKey : createPrivateKey(spec.privateKey);
      return { kid: spec.kid, alg: algorithmOf(signKey, spec.kid), verifyKey: createPublicKey(signKey), signKey };
    }
    const verifyKey = isKeyObject(spec.publicKey) ? spec.publicKey : createPublicKey(spec.publicKey);
    return { kid: spec.kid, alg: algorithmOf(verifyKey, spec.kid), verifyKey };
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`Key "${spec.kid}" cannot be loaded: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * A public key given as an HS256 secret would let anyone who holds the public key sign tokens
 * (the classic algorithm confusion, which jsonwebtoken 9 refuses too): refuse a PEM of any kind,
 * and DER bytes that parse as a public key.
 */
function refuseKeyAsSecret(kid: string, bytes: Buffer): void {
  if (bytes.includes('-----BEGIN')) {
    throw new ConfigError(
      `HS256 secret "${kid}" looks like a PEM key; give a key file as JWT_PRIVATE_KEY / JWT_PUBLIC_KEYS_DIR, and a random secret as JWT_KEY`,
    );
  }
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      createPublicKey({ key: bytes, format: 'der', type });
    } catch {
      continue;
    }
    throw new ConfigError(`HS256 secret "${kid}" is a public key (DER); an HS256 secret must be random bytes`);
  }
}

function algorithmOf(key: KeyObject, kid: string): JwtAlgorithm {
  if (key.asymmetricKeyType === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
      throw new ConfigError(`RSA key "${kid}" must be at least 2048 bits`);
    }
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new ConfigError(`Key "${kid}" must be an RSA key (RS256) or a P-256 EC key (ES256)`);
}

function isKeyObject(value: unknown): value is KeyObject {
  return value instanceof KeyObject;
}

import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { ConfigError, SERVICE_NAME_PATTERN, credentialIdOf } from '@authbus/common';

/** One service credential auth knows: whose it is, and the public key its assertions verify with. */
export interface ServiceClientKey {
  service: string;
  /** The credential id: the key's JWK thumbprint, which the service sends as the assertion's `kid`. */
  credential: string;
  publicKey: KeyObject;
}

/** The services that may ask for tokens, with their public keys (`SERVICE_KEYS`). */
export interface ServiceClients {
  /** The key with this credential id, if any service has it. */
  byCredential(credential: string): ServiceClientKey | undefined;
  /** Every service name auth knows (the audiences a token may name), auth included. */
  readonly names: ReadonlySet<string>;
}

/**
 * Read `SERVICE_KEYS`: a JSON object from service name to its public key, as a JWK (EC P-256) or
 * a PEM string, or an array of them (several during a rotation). Throws `ConfigError` naming what is wrong.
 *
 * ```json
 * { "tickets": { "kty": "EC", "crv": "P-256", "x": "…", "y": "…" } }
 * ```
 */
export function serviceClientsFromJson(json: string | undefined, self: string): ServiceClients {
  const keys = new Map<string, ServiceClientKey>();
  const names = new Set<string>([self]);
  if (json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (err) {
      throw new ConfigError('SERVICE_KEYS must be JSON: { "<service>": <public JWK> or [<JWK>, …] }', { cause: err });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new ConfigError('SERVICE_KEYS must be a JSON object from service name to public JWK');
    for (const [service, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (!SERVICE_NAME_PATTERN.test(service))
        throw new ConfigError(`SERVICE_KEYS: "${service}" is not a service name (a-z, 0-9, -; a letter first)`);
      if (service === self) throw new ConfigError(`SERVICE_KEYS: "${self}" signs its own tokens and needs no key`);
      names.add(service);
      for (const jwk of Array.isArray(value) ? value : [value]) {
        const publicKey = publicKeyOf(service, jwk);
        const credential = credentialIdOf(publicKey);
        if (keys.has(credential)) throw new ConfigError(`SERVICE_KEYS: a key of "${service}" is given twice`);
        keys.set(credential, { service, credential, publicKey });
      }
    }
  }
  return { byCredential: (credential) => keys.get(credential), names };
}

function publicKeyOf(service: string, jwk: unknown): KeyObject {
  if (typeof jwk === 'string') return checked(service, pemPublicKey(service, jwk));
  if (typeof jwk !== 'object' || jwk === null || 'd' in jwk)
    throw new ConfigError(`SERVICE_KEYS: the key of "${service}" must be a public JWK (no "d")`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch (err) {
    throw new ConfigError(`SERVICE_KEYS: the key of "${service}" is not a JWK: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return checked(service, key);
}

function pemPublicKey(service: string, pem: string): KeyObject {
  // createPublicKey would derive a public key from a private one: a private key has no place here.
  if (pem.includes('PRIVATE KEY'))
    throw new ConfigError(`SERVICE_KEYS: the key of "${service}" is a private key; give its public key`);
  try {
    return createPublicKey(pem);
  } catch (err) {
    throw new ConfigError(`SERVICE_KEYS: the key of "${service}" is not a public PEM key`, { cause: err });
  }
}

function checked(service: string, key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new ConfigError(`SERVICE_KEYS: the key of "${service}" must be an EC P-256 key (ES256)`);
  return key;
}

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors/config-error';
import { createKeyRing, type KeyRing, type KeySpec } from './key-ring';
import { envValue } from '../config/env-value';
import { keySpecsFromJwks, readJwksFile } from './key-ring-from-jwks';

/** The environment variables a key ring is read from (see the README's configuration table). */
export interface KeyRingEnv {
  JWT_KEY?: string | undefined;
  JWT_KEYS?: string | undefined;
  JWT_ACTIVE_KID?: string | undefined;
  JWT_PRIVATE_KEY?: string | undefined;
  JWT_PRIVATE_KEY_FILE?: string | undefined;
  JWT_PUBLIC_KEYS_DIR?: string | undefined;
  JWT_JWKS_FILE?: string | undefined;
}

/** The kid given to `JWT_KEY` when `JWT_ACTIVE_KID` does not name it. */
export const DEFAULT_KID = 'default';

/**
 * Build the key ring from the environment, once, at start-up:
 * - `JWT_KEY`: one HS256 secret (kid `JWT_ACTIVE_KID` or `default`);
 * - `JWT_KEYS`: `kid:secret,kid:secret` HS256 secrets, `JWT_ACTIVE_KID` picks the signer;
 * - `JWT_PRIVATE_KEY` / `JWT_PRIVATE_KEY_FILE`: a PEM private key (ES256 or RS256) with kid `JWT_ACTIVE_KID`;
 * - `JWT_PUBLIC_KEYS_DIR`: a folder of `<kid>.pem` public keys (verifying services hold only these);
 * - `JWT_JWKS_FILE`: a JWK Set file of public keys (e.g. a saved `/.well-known/jwks.json`).
 * Throws `ConfigError` naming what is missing or wrong.
 */
export function keyRingFromEnv(env: KeyRingEnv = process.env): KeyRing {
  const keys: KeySpec[] = [];
  const activeKid = envValue(env.JWT_ACTIVE_KID);

  const single = envValue(env.JWT_KEY);
  if (single !== undefined) keys.push({ kid: activeKid ?? DEFAULT_KID, secret: single });

  for (const entry of (env.JWT_KEYS ?? '').split(',')) {
    if (entry.trim() === '') continue;
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new ConfigError('JWT_KEYS must look like kid1:secret1,kid2:secret2');
    keys.push({ kid: entry.slice(0, colon).trim(), secret: entry.slice(colon + 1).trim() });
  }

  const privatePem = envValue(env.JWT_PRIVATE_KEY) ?? readOptional(env.JWT_PRIVATE_KEY_FILE, 'JWT_PRIVATE_KEY_FILE');
  if (privatePem !== undefined) {
    if (activeKid === undefined) throw new ConfigError('JWT_PRIVATE_KEY needs JWT_ACTIVE_KID to name its kid');
    keys.push({ kid: activeKid, privateKey: privatePem });
  }

  const dir = envValue(env.JWT_PUBLIC_KEYS_DIR);
  if (dir !== undefined) {
    for (const file of listPem(dir)) {
      const kid = file.slice(0, -'.pem'.length);
      if (keys.some((k) => k.kid === kid)) continue; // the private key of this kid already verifies
      keys.push({ kid, publicKey: readFileSync(join(dir, file)) });
    }
  }

  const jwksFile = envValue(env.JWT_JWKS_FILE);
  if (jwksFile !== undefined) {
    for (const spec of keySpecsFromJwks(readJwksFile(jwksFile))) {
      if (!keys.some((k) => k.kid === spec.kid)) keys.push(spec);
    }
  }

  if (keys.length === 0) {
    throw new ConfigError(
      'No JWT keys configured: set JWT_KEY (an HS256 secret of 32+ bytes), JWT_KEYS, JWT_PRIVATE_KEY, JWT_PUBLIC_KEYS_DIR or JWT_JWKS_FILE',
    );
  }
  // A verifying service may share JWT_ACTIVE_KID with the signer; it only matters where it can sign.
  const signs = keys.some((k) => k.kid === activeKid && !('publicKey' in k));
  return createKeyRing(signs && activeKid !== undefined ? { keys, activeKid } : { keys });
}

function readOptional(path: string | undefined, name: string): string | undefined {
  const p = envValue(path);
  if (p === undefined) return undefined;
  try {
    return readFileSync(p, 'utf8');
  } catch (err) {
    throw new ConfigError(`${name}=${p} cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

function listPem(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.pem'))
      .sort();
  } catch (err) {
    throw new ConfigError(`JWT_PUBLIC_KEYS_DIR=${dir} cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

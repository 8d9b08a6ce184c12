import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { ConfigError } from '../errors/config-error';
import { KeyAmbiguousError, KeyUnknownError } from '../errors/token-errors';
import { silentLogger, type Logger } from '../logging/logger';
import type { JwtAlgorithm, JwtKey, KeyRing } from './key-ring';

/** Options of `createRemoteJwksKeyRing`. */
export interface RemoteJwksOptions {
  /** The issuer's JWKS document (an identity provider's `jwks_uri`). */
  jwksUri: string;
  /**
   * Fewest ms between two fetches; default 30 000. A token with an unknown `kid` asks for a fetch,
   * but at most one happens per interval, however many such tokens arrive.
   */
  minRefreshIntervalMs?: number;
  /** Fetch again this often even when every `kid` is known (new keys ahead of use), ms; default 600 000. */
  refreshIntervalMs?: number;
  /** One fetch gives up after this, ms; default 5000. */
  timeoutMs?: number;
  /** Largest JWKS document accepted, bytes; default 64 KiB. */
  maxBytes?: number;
  logger?: Logger;
  /** Clock for the interval, ms; default `Date.now`. */
  now?: () => number;
}

/** A key ring that follows a remote JWKS: verify-only (it never signs). */
export interface RemoteJwksKeyRing extends KeyRing {
  /** Resolves after the first successful fetch; rejects if it fails (the ring keeps retrying). */
  ready(): Promise<void>;
  /** Fetch now unless the last fetch was less than `minRefreshIntervalMs` ago; resolves to whether it fetched. */
  refresh(): Promise<boolean>;
  /** When the keys were last fetched successfully (ms), or undefined. */
  readonly fetchedAt: number | undefined;
  /** Stop the periodic refresh. */
  close(): void;
  /** Reports each key a fetch no longer finds (the kit drops its cached tokens). */
  onKeyRemoved(listener: (kid: string) => void): () => void;
}

/**
 * A key ring from a remote JWKS (`jwks_uri`), for verifying another issuer's tokens with
 * `createAuthKit` (give `token.claims` too: see `ClaimMapping`). The document is fetched at start
 * and every `refreshIntervalMs`; a token whose `kid` is unknown is refused (`KeyUnknownError`) and
 * asks for a fetch, which happens at most once per `minRefreshIntervalMs`, never per request, so
 * tokens with made-up key ids cannot make the ring flood the issuer. Verification stays
 * synchronous: the request that met a new key is refused, later ones pass once it is fetched (an
 * issuer publishes a new key before signing with it, so with the periodic refresh that is rare).
 * A failed fetch keeps the keys already known. Only RS256 (RSA ≥ 2048 bits) and ES256 (P-256)
 * signature keys are taken; others are skipped.
 *
 * ```ts
 * const keyRing = createRemoteJwksKeyRing({ jwksUri: 'https://idp.example.com/realms/main/protocol/openid-connect/certs' });
 * await keyRing.ready();
 * const kit = createAuthKit({
 *   keyRing,
 *   nats: { servers: 'nats://nats:4222' },
 *   token: { issuer: 'https://idp.example.com/realms/main', audience: 'tickets',
 *            claims: { roles: 'realm_access.roles', gen: 'iat', idPrefix: 'oidc:' } },
 * });
 * ```
 */
export function createRemoteJwksKeyRing(options: RemoteJwksOptions): RemoteJwksKeyRing {
  let url: URL;
  try {
    url = new URL(options.jwksUri);
  } catch {
    throw new ConfigError(`jwksUri "${options.jwksUri}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError(`jwksUri "${options.jwksUri}" must be http(s)`);
  return new RemoteRing(url, options);
}

class RemoteRing implements RemoteJwksKeyRing {
  readonly activeKid = undefined;
  fetchedAt: number | undefined;
  private byKid = new Map<string, JwtKey>();
  private readonly removalListeners = new Set<(kid: string) => void>();
  private lastAttempt = -Infinity;
  private inFlight: Promise<boolean> | undefined;
  private readonly first: Promise<void>;
  private readonly timer: NodeJS.Timeout;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly minIntervalMs: number;

  constructor(
    private readonly url: URL,
    private readonly options: RemoteJwksOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.minIntervalMs = options.minRefreshIntervalMs ?? 30_000;
    this.first = this.fetchNow().then((ok) => {
      if (!ok) throw new Error(`The JWKS at ${url.href} could not be fetched`);
    });
    this.first.catch(() => undefined);
    this.timer = setInterval(() => void this.refresh(), options.refreshIntervalMs ?? 600_000);
    this.timer.unref();
  }

  get kids(): readonly string[] {
    return [...this.byKid.keys()];
  }

  get keys(): readonly JwtKey[] {
    return [...this.byKid.values()];
  }

  key(kid: string): JwtKey | undefined {
    return this.byKid.get(kid);
  }

  /**
   * Call `listener(kid)` for each key a fetch no longer finds in the JWKS (the provider retired or
   * withdrew it), so the kit drops the tokens it verified with it from its cache.
   */
  onKeyRemoved(listener: (kid: string) => void): () => void {
    this.removalListeners.add(listener);
    return () => this.removalListeners.delete(listener);
  }

  select(header: { kid?: string | undefined; alg: string }): JwtKey {
    if (header.kid !== undefined) {
      const key = this.byKid.get(header.kid);
      if (key && key.alg === header.alg) return key;
      void this.refresh();
      throw new KeyUnknownError();
    }
    let found: JwtKey | undefined;
    for (const key of this.byKid.values()) {
      if (key.alg !== header.alg) continue;
      if (found) throw new KeyAmbiguousError();
      found = key;
    }
    if (!found) throw new KeyUnknownError();
    return found;
  }

  signer(): JwtKey {
    throw new ConfigError('A key ring from a remote JWKS only verifies; it cannot sign');
  }

  ready(): Promise<void> {
    return this.first;
  }

  refresh(): Promise<boolean> {
    if (this.inFlight) return this.inFlight;
    if (this.now() - this.lastAttempt < this.minIntervalMs) return Promise.resolve(false);
    return this.fetchNow();
  }

  close(): void {
    clearInterval(this.timer);
  }

  private fetchNow(): Promise<boolean> {
    this.lastAttempt = this.now();
    this.inFlight = this.load().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async load(): Promise<boolean> {
    try {
      const res = await fetch(this.url, {
        headers: { accept: 'application/json, application/jwk-set+json' },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
        redirect: 'error',
      });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      const text = await res.text();
      if (Buffer.byteLength(text) > (this.options.maxBytes ?? 64 * 1024)) throw new Error('document too large');
      const keys = keysOf(JSON.parse(text) as unknown);
      if (keys.size === 0) throw new Error('no usable RS256 or ES256 signature key');
      const gone = [...this.byKid.keys()].filter((kid) => !keys.has(kid));
      this.byKid = keys;
      this.fetchedAt = this.now();
      for (const kid of gone) {
        for (const listener of this.removalListeners) listener(kid);
      }
      this.logger.info({ jwksUri: this.url.href, kids: [...keys.keys()] }, 'jwks fetched');
      return true;
    } catch (err) {
      this.logger.warn({ jwksUri: this.url.href, err: String(err) }, 'jwks fetch failed; keeping the known keys');
      return false;
    }
  }
}

/** The usable keys of a JWKS document by `kid`; keys without `kid`, of other types or uses are skipped. */
function keysOf(doc: unknown): Map<string, JwtKey> {
  const out = new Map<string, JwtKey>();
  const list = typeof doc === 'object' && doc !== null ? (doc as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(list)) throw new Error('not a JWKS document (no keys array)');
  for (const jwk of list as unknown[]) {
    const key = jwtKeyOf(jwk);
    if (key && !out.has(key.kid)) out.set(key.kid, key);
  }
  return out;
}

function jwtKeyOf(value: unknown): JwtKey | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const jwk = value as Record<string, unknown>;
  if (typeof jwk.kid !== 'string' || jwk.kid.length === 0 || jwk.kid.length > 256) return undefined;
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  if ('d' in jwk) return undefined; // a private key has no business in a published key set
  const alg = jwk.kty === 'RSA' ? 'RS256' : jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'ES256' : undefined;
  if (!alg || (jwk.alg !== undefined && jwk.alg !== alg)) return undefined;
  try {
    const verifyKey = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    if (alg === 'RS256' && (verifyKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) return undefined;
    return { kid: jwk.kid, alg: alg satisfies JwtAlgorithm, verifyKey };
  } catch {
    return undefined;
  }
}

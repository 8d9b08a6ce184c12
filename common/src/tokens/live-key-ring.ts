import type { KeySetUpdatedEvent } from '../events/key-set-updated-event';
import { silentLogger, type Logger } from '../logging/logger';
import { publicJwkOf } from './jwk';
import { keySpecsFromJwks } from './key-ring-from-jwks';
import { jwtKeyOf, selectKey, signerOf, type JwtKey, type KeyRing } from './key-ring';

/** Why a key left a ring: withdrawn (compromised: its tokens are refused) or retired (no longer published). */
export type KeyRemovalReason = 'withdrawn' | 'retired';

/** What applying a key set changed. */
export interface KeySetChange {
  /** False when the set was not newer than the last one applied (a replayed or repeated copy). */
  applied: boolean;
  added: string[];
  removed: string[];
}

/**
 * A key ring that follows the auth service's key sets (`auth.keys.updated`) while the service
 * runs: it starts from the configured keys; each newer set adds the keys it publishes, removes
 * those it no longer publishes (retired; configured keys stay), and removes every withdrawn kid,
 * configured or not, for good. A look-up is one `Map` read, as in `createKeyRing`'s ring.
 *
 * `onKeyRemoved` tells caches of verified tokens to drop the entries of a kid the moment it goes.
 */
export class LiveKeyRing implements KeyRing {
  private byKid: Map<string, JwtKey>;
  private active: string | undefined;
  private readonly fromFeed = new Set<string>();
  private readonly withdrawnKids = new Set<string>();
  private readonly listeners = new Set<(kid: string, reason: KeyRemovalReason) => void>();
  private lastIssuedAt = -1;
  private snapshot: { kids: string[]; keys: JwtKey[] } | undefined;

  constructor(
    initial: KeyRing,
    private readonly logger: Logger = silentLogger,
  ) {
    this.byKid = new Map(initial.keys.map((k) => [k.kid, k]));
    this.active = initial.activeKid;
  }

  get activeKid(): string | undefined {
    return this.active;
  }

  get kids(): readonly string[] {
    return this.current().kids;
  }

  get keys(): readonly JwtKey[] {
    return this.current().keys;
  }

  /** Kids withdrawn so far (by a key set or `withdraw`). */
  get withdrawn(): readonly string[] {
    return [...this.withdrawnKids];
  }

  /** `issuedAt` of the newest key set applied, or `undefined` before the first. */
  get keySetIssuedAt(): number | undefined {
    return this.lastIssuedAt < 0 ? undefined : this.lastIssuedAt;
  }

  key(kid: string): JwtKey | undefined {
    return this.byKid.get(kid);
  }

  select(header: { kid?: string | undefined; alg: string }): JwtKey {
    return selectKey(this.byKid, header);
  }

  signer(): JwtKey {
    return signerOf(this.byKid, this.active);
  }

  /**
   * Call `listener(kid, reason)` each time a key leaves the ring. Listeners run synchronously,
   * before the next request is verified; a throwing listener is logged and does not stop the others.
   * Returns a function that stops it.
   */
  onKeyRemoved(listener: (kid: string, reason: KeyRemovalReason) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Apply a key set; an older (or the same) `issuedAt` than the last applied changes nothing. */
  applyKeySet(data: KeySetUpdatedEvent['data']): KeySetChange {
    if (data.issuedAt <= this.lastIssuedAt) return { applied: false, added: [], removed: [] };
    this.lastIssuedAt = data.issuedAt;
    const removed: string[] = [];
    for (const kid of data.withdrawn) if (this.withdraw(kid)) removed.push(kid);
    const published = new Set<string>();
    const added: string[] = [];
    for (const jwk of data.keys) {
      if (this.withdrawnKids.has(jwk.kid)) continue;
      const key = this.keyOf(jwk);
      if (!key) continue;
      published.add(key.kid);
      const held = this.byKid.get(key.kid);
      if (held) {
        if (!sameKey(held, key))
          this.logger.warn({ kid: key.kid }, 'key set reuses a kid for another key; kept the one held');
        continue;
      }
      this.byKid.set(key.kid, key);
      this.fromFeed.add(key.kid);
      added.push(key.kid);
    }
    for (const kid of [...this.fromFeed]) {
      if (published.has(kid) || kid === this.active) continue;
      this.remove(kid, 'retired');
      removed.push(kid);
    }
    if (added.length > 0) this.snapshot = undefined;
    if (added.length > 0 || removed.length > 0) this.logger.info({ added, removed }, 'key ring updated');
    return { applied: true, added, removed };
  }

  /** Withdraw a kid here at once (the issuer does, before publishing); returns whether a key left. */
  withdraw(kid: string): boolean {
    this.withdrawnKids.add(kid);
    if (!this.byKid.has(kid)) return false;
    this.remove(kid, 'withdrawn');
    return true;
  }

  /**
   * Add a key (the issuer's own signing key), unless its kid is withdrawn or held for another key.
   * A key held for verifying only (learnt from a key set) is replaced by the same key with its
   * private half. Returns whether the ring now holds `key`.
   */
  add(key: JwtKey): boolean {
    if (this.withdrawnKids.has(key.kid)) return false;
    const held = this.byKid.get(key.kid);
    if (held && (held.signKey || !key.signKey || !sameKey(held, key))) return sameKey(held, key);
    this.byKid.set(key.kid, key);
    this.fromFeed.delete(key.kid);
    this.snapshot = undefined;
    return true;
  }

  /** Stop using a key (the issuer retires its own once every token it signed has expired). */
  retire(kid: string): void {
    if (this.byKid.has(kid)) this.remove(kid, 'retired');
  }

  /** Sign with this kid from now on; it must be held with its private key. */
  activate(kid: string): void {
    signerOf(this.byKid, kid);
    this.active = kid;
  }

  private remove(kid: string, reason: KeyRemovalReason): void {
    this.byKid.delete(kid);
    this.fromFeed.delete(kid);
    if (this.active === kid) this.active = undefined;
    this.snapshot = undefined;
    for (const listener of this.listeners) {
      try {
        listener(kid, reason);
      } catch (err) {
        this.logger.error({ err: String(err), kid }, 'an onKeyRemoved listener failed');
      }
    }
  }

  private keyOf(jwk: KeySetUpdatedEvent['data']['keys'][number]): JwtKey | undefined {
    try {
      const [spec] = keySpecsFromJwks({ keys: [jwk] });
      return spec ? jwtKeyOf(spec) : undefined;
    } catch (err) {
      this.logger.warn({ kid: jwk.kid, err: (err as Error).message }, 'key set entry skipped');
      return undefined;
    }
  }

  private current(): { kids: string[]; keys: JwtKey[] } {
    this.snapshot ??= { kids: [...this.byKid.keys()], keys: [...this.byKid.values()] };
    return this.snapshot;
  }
}

function sameKey(a: JwtKey, b: JwtKey): boolean {
  if (a.alg !== b.alg) return false;
  return JSON.stringify(publicJwkOf(a)) === JSON.stringify(publicJwkOf(b));
}

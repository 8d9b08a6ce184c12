import type { FrozenSessions } from './frozen-sessions';

/** The claims a revocation check needs. */
export interface RevocableClaims {
  sid: string;
  sub: string;
  /** The user's token generation the token was issued in. */
  gen: number;
}

/** Why a token is refused. */
export type RevocationMatch = 'session' | 'user';

/** A revocation that newly refuses tokens, as `onRevoked` reports it. */
export type AppliedRevocation =
  | { kind: 'session'; sid: string; until: number }
  | { kind: 'user'; sub: string; belowGeneration: number; until: number }
  | { kind: 'credential'; service: string; credential: string; until: number };

/** Sizes of the set, for metrics and the memory benchmark. */
export interface RevocationSetSize {
  sessions: number;
  users: number;
  /** Revoked service credentials. */
  credentials: number;
}

interface UserRevocation {
  /** Tokens of this user with a lower `gen` are refused. */
  belowGeneration: number;
  /** After this, no refused token can still be unexpired. Seconds. */
  until: number;
}

/**
 * The local, bounded set of revocations a service instance holds: session ids (sign-out) and
 * per-user cut-offs (ban, sign-out everywhere). A check is two `Map` look-ups. Every entry carries
 * `until`, the latest `exp` a token it refuses can have; after it the entry is useless and is
 * pruned, so the size is bounded by revocation rate × token lifetime, not by history.
 *
 * Applying the same revocation twice, or two revocations in any order, gives the same set: entries
 * only ever widen (max of `until` and of `belowGeneration`).
 */
export class RevocationSet {
  private readonly sessions = new Map<string, number>();
  /** Sessions loaded from a snapshot, read-only; `sessions` holds every change made since. */
  private frozen: FrozenSessions | undefined;
  /** Sessions in both `sessions` and `frozen` (counted once in `size`). */
  private overlap = 0;
  private readonly users = new Map<string, UserRevocation>();
  /** Revoked service credentials, by `<service> <credential id>`; few, so pruned in one pass. */
  private readonly credentials = new Map<string, number>();
  private sessionSweep: Iterator<[string, number]> | undefined;
  private userSweep: Iterator<[string, UserRevocation]> | undefined;
  private readonly listeners = new Set<(revocation: AppliedRevocation) => void>();

  /**
   * Call `listener` each time the set starts refusing tokens it accepted before: a session added,
   * a user's cut-off generation raised (not when only `until` moves, nor for a duplicate). Called
   * synchronously as the revocation is applied; keep it cheap. Returns a function that stops it.
   */
  onRevoked(listener: (revocation: AppliedRevocation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Refuse every token of session `sid` until `until` (seconds). Returns whether the set changed. */
  revokeSession(sid: string, until: number): boolean {
    const inMap = this.sessions.get(sid);
    const current = inMap ?? this.frozen?.until(sid);
    if (current !== undefined && current >= until) return false;
    if (inMap === undefined && current !== undefined) this.overlap++;
    this.sessions.set(sid, until);
    if (current === undefined && this.listeners.size > 0) this.notify({ kind: 'session', sid, until });
    return true;
  }

  /** Refuse tokens of user `sub` whose `gen` is below `belowGeneration`, until `until` (seconds). */
  revokeUser(sub: string, belowGeneration: number, until: number): boolean {
    const current = this.users.get(sub);
    if (current === undefined) {
      this.users.set(sub, { belowGeneration, until });
      this.notify({ kind: 'user', sub, belowGeneration, until });
      return true;
    }
    if (current.belowGeneration >= belowGeneration && current.until >= until) return false;
    const raised = belowGeneration > current.belowGeneration;
    current.belowGeneration = Math.max(current.belowGeneration, belowGeneration);
    current.until = Math.max(current.until, until);
    if (raised) this.notify({ kind: 'user', sub, belowGeneration: current.belowGeneration, until: current.until });
    return true;
  }

  /**
   * Refuse every service or delegated token of `service` obtained with `credential` until `until`
   * (seconds). Returns whether the set changed.
   */
  revokeCredential(service: string, credential: string, until: number): boolean {
    const key = `${service} ${credential}`;
    const current = this.credentials.get(key);
    if (current !== undefined && current >= until) return false;
    this.credentials.set(key, until);
    if (current === undefined) this.notify({ kind: 'credential', service, credential, until });
    return true;
  }

  /** Is this service credential revoked? O(1). */
  isCredentialRevoked(service: string, credential: string): boolean {
    return this.credentials.has(`${service} ${credential}`);
  }

  private notify(revocation: AppliedRevocation): void {
    if (this.listeners.size === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(revocation);
      } catch {
        // A listener's failure is its own (the kit's wrapper logs it); the set and the feed go on.
      }
    }
  }

  /** Why these claims are revoked, or `undefined` when they are not. O(1). */
  match(claims: RevocableClaims): RevocationMatch | undefined {
    if (this.sessions.has(claims.sid) || (this.frozen !== undefined && this.frozen.has(claims.sid))) return 'session';
    const user = this.users.get(claims.sub);
    if (user !== undefined && claims.gen < user.belowGeneration) return 'user';
    return undefined;
  }

  /** Are these claims revoked? O(1). */
  isRevoked(claims: RevocableClaims): boolean {
    return this.match(claims) !== undefined;
  }

  /**
   * Remove entries whose `until` is before `nowSeconds`, looking at no more than `budget` entries.
   * Call it on a timer: it resumes where it stopped, so a full pass is spread over many calls and
   * no call (and no request) ever scans the whole set. Returns how many entries were removed.
   */
  prune(nowSeconds: number, budget = 1000): number {
    let removed = 0;
    let seen = 0;
    this.sessionSweep ??= this.sessions.entries();
    while (seen < budget) {
      const next = this.sessionSweep.next();
      if (next.done) {
        this.sessionSweep = undefined;
        break;
      }
      seen++;
      if (next.value[1] < nowSeconds) {
        this.sessions.delete(next.value[0]);
        if (this.frozen?.has(next.value[0])) this.overlap--;
        removed++;
      }
    }
    // A snapshot's sessions go all at once, when the last of them is useless.
    if (this.frozen !== undefined && this.frozen.maxUntil < nowSeconds) {
      removed += this.frozen.count - this.overlap;
      this.frozen = undefined;
      this.overlap = 0;
    }
    this.userSweep ??= this.users.entries();
    while (seen < budget) {
      const next = this.userSweep.next();
      if (next.done) {
        this.userSweep = undefined;
        break;
      }
      seen++;
      if (next.value[1].until < nowSeconds) {
        this.users.delete(next.value[0]);
        removed++;
      }
    }
    // Credential revocations are rare (an operator's action): one pass over them each call.
    for (const [key, until] of this.credentials) {
      if (until < nowSeconds) {
        this.credentials.delete(key);
        removed++;
      }
    }
    return removed;
  }

  /** Revoked sessions and their `until` (seconds), for a snapshot. Don't change the set while iterating. */
  *sessionEntries(): IterableIterator<[string, number]> {
    yield* this.sessions;
    if (this.frozen === undefined) return;
    for (const entry of this.frozen.entries()) if (!this.sessions.has(entry[0])) yield entry;
  }

  /**
   * Hold the sessions of a snapshot (`FrozenSessions`) without copying them into the `Map`: what
   * loading a snapshot does when the set has none yet. Returns false (nothing done) when it has one.
   * @internal
   */
  adoptFrozenSessions(frozen: FrozenSessions): boolean {
    if (this.frozen !== undefined) return false;
    this.frozen = frozen;
    for (const [sid, until] of this.sessions) {
      const frozenUntil = frozen.until(sid);
      if (frozenUntil === undefined) continue;
      this.overlap++;
      // The `Map` answers first: it must hold the later of the two.
      if (frozenUntil > until) this.sessions.set(sid, frozenUntil);
    }
    return true;
  }

  /** Users' cut-offs, for a snapshot. */
  *userEntries(): IterableIterator<{ sub: string; belowGeneration: number; until: number }> {
    for (const [sub, { belowGeneration, until }] of this.users) yield { sub, belowGeneration, until };
  }

  /** Revoked service credentials, for a snapshot. */
  *credentialEntries(): IterableIterator<{ service: string; credential: string; until: number }> {
    for (const [key, until] of this.credentials) {
      // Service names have no spaces (SERVICE_NAME_PATTERN): the first one ends the name.
      const space = key.indexOf(' ');
      yield { service: key.slice(0, space), credential: key.slice(space + 1), until };
    }
  }

  get size(): RevocationSetSize {
    const sessions = this.sessions.size + (this.frozen?.count ?? 0) - this.overlap;
    return { sessions, users: this.users.size, credentials: this.credentials.size };
  }

  /** Forget everything (tests, and a feed that restarts from the beginning of the stream). */
  clear(): void {
    this.sessions.clear();
    this.frozen = undefined;
    this.overlap = 0;
    this.users.clear();
    this.credentials.clear();
    this.sessionSweep = undefined;
    this.userSweep = undefined;
  }
}

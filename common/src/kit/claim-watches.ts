import type { Logger } from '../logging/logger';
import type { AppliedRevocation, RevocationSet } from '../revocation/revocation-set';
import type { AccessClaims } from '../tokens/claims';

/**
 * Why watched claims stopped being accepted: their session or user was revoked (sign-out, ban,
 * sign-out everywhere), their token expired (`exp` plus the clock tolerance), or the feed went
 * stale under policy `closed` (the instance can no longer tell whether they were revoked).
 */
export type WatchEnd = 'revoked' | 'expired' | 'stale';

/** The claims a watch needs (those of `req.currentUser` or `kit.authenticate`). */
export type WatchedClaims = Pick<AccessClaims, 'sid' | 'sub' | 'gen' | 'exp'>;

interface Watch {
  claims: WatchedClaims;
  /** The kid of the key that verified the token, when the kit knows it. */
  kid: string | undefined;
  onEnd: (reason: WatchEnd) => void;
  timer: NodeJS.Timeout | undefined;
}

/** Longest single timer Node accepts (about 24.8 days); a later expiry re-arms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Long-lived connections (server-sent events, WebSockets) authenticated once, at connect time:
 * each watch calls back once, as soon as its claims would be refused on a new request, so the
 * connection can be closed. Indexed by session and by user, so a revocation looks at the watches
 * it concerns only; one timer per watch for the expiry.
 */
export class ClaimWatches {
  private readonly bySession = new Map<string, Set<Watch>>();
  private readonly byUser = new Map<string, Set<Watch>>();
  private readonly byKid = new Map<string, Set<Watch>>();

  constructor(
    private readonly set: RevocationSet,
    private readonly options: {
      /** Token clock, ms. */
      tokenNow: () => number;
      clockToleranceSeconds: number;
      logger: Logger;
      /** A watch ended (metrics). */
      onEnded?: (reason: WatchEnd) => void;
    },
  ) {
    this.set.onRevoked((revocation) => this.revoked(revocation));
  }

  /** How many watches are open (metrics). */
  get size(): number {
    let n = 0;
    for (const watches of this.bySession.values()) n += watches.size;
    return n;
  }

  /** Watch `claims` (already authenticated); `onEnd` is called once. Returns a function that stops watching. */
  watch(claims: WatchedClaims, onEnd: (reason: WatchEnd) => void, kid?: string): () => void {
    const w: Watch = { claims, kid, onEnd, timer: undefined };
    add(this.bySession, claims.sid, w);
    add(this.byUser, claims.sub, w);
    if (kid !== undefined) add(this.byKid, kid, w);
    // Revoked in the moment between authenticating and watching: end it at once, like a request.
    if (this.set.match(claims) !== undefined) queueMicrotask(() => this.end(w, 'revoked'));
    else this.arm(w);
    return () => this.remove(w);
  }

  /** End every watch (the feed went stale under policy closed, or the kit closes). */
  endAll(reason: WatchEnd): void {
    for (const watches of [...this.bySession.values()]) for (const w of [...watches]) this.end(w, reason);
  }

  /** End the watches of tokens signed with a withdrawn key: refused from now on, like a revocation. */
  keyWithdrawn(kid: string): void {
    for (const w of [...(this.byKid.get(kid) ?? [])]) this.end(w, 'revoked');
  }

  /** Forget every watch without calling back (the kit closes; its timers must not hold the process). */
  clear(): void {
    for (const watches of [...this.bySession.values()]) for (const w of [...watches]) this.remove(w);
  }

  private revoked(revocation: AppliedRevocation): void {
    // Watches hold users' claims; a revoked service credential ends none of them.
    if (revocation.kind === 'credential') return;
    if (revocation.kind === 'session') {
      for (const w of [...(this.bySession.get(revocation.sid) ?? [])]) this.end(w, 'revoked');
      return;
    }
    for (const w of [...(this.byUser.get(revocation.sub) ?? [])]) {
      if (w.claims.gen < revocation.belowGeneration) this.end(w, 'revoked');
    }
  }

  /** Time the expiry: accepted until `exp` plus the tolerance, like a request. */
  private arm(w: Watch): void {
    const endsAt = (w.claims.exp + this.options.clockToleranceSeconds) * 1000;
    const wait = endsAt - this.options.tokenNow();
    if (wait <= 0) {
      queueMicrotask(() => this.end(w, 'expired'));
      return;
    }
    w.timer = setTimeout(
      () => (wait > MAX_TIMER_MS ? this.arm(w) : this.end(w, 'expired')),
      Math.min(wait, MAX_TIMER_MS),
    );
    w.timer.unref();
  }

  private end(w: Watch, reason: WatchEnd): void {
    if (!this.remove(w)) return;
    this.options.onEnded?.(reason);
    try {
      w.onEnd(reason);
    } catch (err) {
      this.options.logger.error({ err: String(err), sid: w.claims.sid, reason }, 'a watch callback failed');
    }
  }

  /** Forget a watch; false when it was already gone (so `onEnd` runs once). */
  private remove(w: Watch): boolean {
    clearTimeout(w.timer);
    const had = drop(this.bySession, w.claims.sid, w);
    drop(this.byUser, w.claims.sub, w);
    if (w.kid !== undefined) drop(this.byKid, w.kid, w);
    return had;
  }
}

function add(index: Map<string, Set<Watch>>, key: string, w: Watch): void {
  let watches = index.get(key);
  if (!watches) index.set(key, (watches = new Set()));
  watches.add(w);
}

function drop(index: Map<string, Set<Watch>>, key: string, w: Watch): boolean {
  const watches = index.get(key);
  if (!watches?.delete(w)) return false;
  if (watches.size === 0) index.delete(key);
  return true;
}

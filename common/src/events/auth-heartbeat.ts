import { isSilentMemoryMs } from '../kit/silent-memory';

/**
 * The auth service's heartbeat: published (core NATS, not stored) every second or so on
 * `auth.heartbeat`, a subject every verifier already receives with the live events and that only
 * the auth service may publish on (infra/nats/nats.conf). It carries what the auth service knows
 * and a verifier cannot see for itself: the `AUTH` stream's last sequence (one read by auth, shared
 * by every verifier, instead of one per verifier) and since when it has held revocations it could
 * not publish.
 */
export const AUTH_HEARTBEAT_SUBJECT = 'auth.heartbeat';

/** What a heartbeat says. Times are ms since the epoch on the auth service's clock. */
export interface AuthHeartbeat {
  v: 1;
  /** Which auth instance sent it (each has its own outbox with a memory store). */
  instance: string;
  /** When the stream and the outbox were read. */
  at: number;
  /** The `AUTH` stream as auth read it at `at`; `null` when it could not be read (no leader, no JetStream). */
  stream: { lastSeq: number; created: string } | null;
  /** When the oldest revocation it has not been able to publish yet was made; `null`: nothing waiting. */
  unpublishedSince: number | null;
  /**
   * The outbox is shared by every auth instance (MongoDB): then this instance speaks for all of
   * them, and its word replaces what the others said (one that crashed included). Absent: false.
   */
  sharedOutbox?: boolean;
  /**
   * The instance is shutting down cleanly and this is its last heartbeat, sent after its outbox
   * was drained: `unpublishedSince` says what it leaves behind (null: nothing). A verifier stops
   * waiting for its next heartbeat. Absent: false (verifiers that do not know the field ignore it).
   */
  leaving?: boolean;
  /**
   * How long verifiers must remember this instance once its heartbeats stop, ms: the
   * `REVOCATION_SILENT_MEMORY` it answers revocations by (it answers 200 only for tokens that
   * expire before then). A verifier remembers it for the longer of this and its own setting, so a
   * service set to forget sooner than auth still holds what auth answered. 1 s to 24 h; absent: the
   * verifier's own setting.
   */
  silentMemoryMs?: number;
}

const MAX_BYTES = 1024;

/** The heartbeat as sent. */
export function encodeHeartbeat(heartbeat: AuthHeartbeat): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(heartbeat));
}

/** A heartbeat read from the wire, or `undefined` when it is not one (malformed, too big, unknown version). */
export function parseHeartbeat(data: Uint8Array): AuthHeartbeat | undefined {
  if (data.length > MAX_BYTES) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { v, instance, at, stream, unpublishedSince, sharedOutbox, leaving, silentMemoryMs } = value as Record<
    string,
    unknown
  >;
  if (sharedOutbox !== undefined && typeof sharedOutbox !== 'boolean') return undefined;
  if (leaving !== undefined && typeof leaving !== 'boolean') return undefined;
  if (silentMemoryMs !== undefined && !isSilentMemoryMs(silentMemoryMs)) return undefined;
  const shared = {
    ...(sharedOutbox === true ? { sharedOutbox: true } : {}),
    ...(leaving === true ? { leaving: true } : {}),
    ...(silentMemoryMs !== undefined ? { silentMemoryMs } : {}),
  };
  if (v !== 1 || typeof instance !== 'string' || instance.length === 0 || instance.length > 200) return undefined;
  if (!isTime(at)) return undefined;
  if (unpublishedSince !== null && !isTime(unpublishedSince)) return undefined;
  if (stream !== null) {
    if (typeof stream !== 'object' || stream === undefined) return undefined;
    const { lastSeq, created } = stream as Record<string, unknown>;
    if (!Number.isSafeInteger(lastSeq) || (lastSeq as number) < 0 || typeof created !== 'string') return undefined;
    return { v, instance, at, stream: { lastSeq: lastSeq as number, created }, unpublishedSince, ...shared };
  }
  return { v, instance, at, stream: null, unpublishedSince, ...shared };
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

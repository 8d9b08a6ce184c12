import { createHash, timingSafeEqual } from 'node:crypto';
import { FrozenSessions } from '../revocation/frozen-sessions';
import type { RevocationSet } from '../revocation/revocation-set';
import {
  SNAPSHOT_DIGEST_BYTES,
  SNAPSHOT_FORMAT_VERSION,
  SNAPSHOT_MAGIC,
  SNAPSHOT_PREAMBLE_BYTES,
  type SnapshotHeader,
} from './snapshot-format';

/** Why a snapshot was not used: each is a reason to replay the whole stream instead. */
export type SnapshotRejection = 'truncated' | 'not a snapshot' | 'other version' | 'bad digest' | 'malformed';

/** A snapshot that cannot be used, with the reason. */
export class SnapshotUnusableError extends Error {
  override readonly name = 'SnapshotUnusableError';
  constructor(
    readonly reason: SnapshotRejection,
    detail?: string,
  ) {
    super(detail ? `${reason}: ${detail}` : reason);
  }
}

/**
 * Check a snapshot's framing, version and digest and read its header, without touching a set.
 * Throws `SnapshotUnusableError` for anything but a whole, intact snapshot of this format version.
 */
export function readSnapshotHeader(bytes: Uint8Array): SnapshotHeader {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < SNAPSHOT_PREAMBLE_BYTES + SNAPSHOT_DIGEST_BYTES) throw new SnapshotUnusableError('truncated');
  if (buf.readUInt32LE(0) !== SNAPSHOT_MAGIC) throw new SnapshotUnusableError('not a snapshot');
  const version = buf.readUInt16LE(4);
  if (version !== SNAPSHOT_FORMAT_VERSION) throw new SnapshotUnusableError('other version', `version ${version}`);
  const total = buf.readUInt32LE(8);
  if (buf.length !== total) throw new SnapshotUnusableError('truncated', `${buf.length} of ${total} bytes`);
  const end = total - SNAPSHOT_DIGEST_BYTES;
  const digest = createHash('sha256').update(buf.subarray(0, end)).digest();
  if (!timingSafeEqual(digest, buf.subarray(end))) throw new SnapshotUnusableError('bad digest');
  const headerEnd = SNAPSHOT_PREAMBLE_BYTES + buf.readUInt32LE(12);
  if (headerEnd > end) throw new SnapshotUnusableError('malformed', 'header beyond the body');
  let header: unknown;
  try {
    header = JSON.parse(buf.toString('utf8', SNAPSHOT_PREAMBLE_BYTES, headerEnd));
  } catch {
    throw new SnapshotUnusableError('malformed', 'header is not JSON');
  }
  if (!isHeader(header)) throw new SnapshotUnusableError('malformed', 'header fields');
  return header;
}

/**
 * Check a snapshot (`readSnapshotHeader`) and add its entries that still matter at
 * `horizonSeconds` to `set`. The digest is checked before anything is added; a body that does not
 * match its header throws after some entries were added, which only widens the set (a caller then
 * replays the whole stream over it, as after any refusal). Returns the header and how many
 * entries were added.
 */
export function decodeRevocationSnapshot(
  bytes: Uint8Array,
  set: RevocationSet,
  horizonSeconds: number,
): { header: SnapshotHeader; entries: number } {
  const header = readSnapshotHeader(bytes);
  return { header, entries: applySnapshotEntries(bytes, header, set, horizonSeconds) };
}

/**
 * Add the entries of a snapshot whose header `readSnapshotHeader` returned (so its digest is
 * checked) to `set`; returns how many were added.
 */
export function applySnapshotEntries(
  bytes: Uint8Array,
  header: SnapshotHeader,
  set: RevocationSet,
  horizonSeconds: number,
): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = buf.length - SNAPSHOT_DIGEST_BYTES;
  let at = SNAPSHOT_PREAMBLE_BYTES + buf.readUInt32LE(12);
  const need = (n: number): void => {
    if (at + n > end) throw new SnapshotUnusableError('malformed', 'body shorter than its header says');
  };
  const key = (): string => {
    need(2);
    const field = buf.readUInt16LE(at);
    const length = field & 0x7fff;
    need(2 + length);
    // The top bit marks a key that is not ASCII; ASCII reads faster as Latin-1 (the same characters).
    const text = buf.toString(field & 0x8000 ? 'utf8' : 'latin1', at + 2, at + 2 + length);
    at += 2 + length;
    return text;
  };
  let entries = 0;
  // ASCII session ids stay in the snapshot's bytes (`FrozenSessions`): no string or `Map` entry
  // per session. Others, and every session when the set already holds a snapshot, go to its `Map`.
  // Each session takes at least 10 bytes: a count past what the body can hold is not allocated for.
  if (header.sessions > (end - at) / 10)
    throw new SnapshotUnusableError('malformed', 'body shorter than its header says');
  const offsets = new Int32Array(header.sessions);
  let frozen = 0;
  for (let i = 0; i < header.sessions; i++) {
    const entry = at;
    need(10);
    const until = buf.readDoubleLE(at);
    const field = buf.readUInt16LE(at + 8);
    const length = field & 0x7fff;
    need(10 + length);
    at += 10 + length;
    if (until < horizonSeconds) continue;
    entries++;
    if (field & 0x8000) set.revokeSession(buf.toString('utf8', entry + 10, at), until);
    else offsets[frozen++] = entry;
  }
  if (frozen > 0 && !set.adoptFrozenSessions(new FrozenSessions(buf, offsets, frozen))) {
    for (let i = 0; i < frozen; i++) {
      const entry = offsets[i]!;
      const length = buf.readUInt16LE(entry + 8);
      set.revokeSession(buf.toString('latin1', entry + 10, entry + 10 + length), buf.readDoubleLE(entry));
    }
  }
  for (let i = 0; i < header.users; i++) {
    need(16);
    const until = buf.readDoubleLE(at);
    const belowGeneration = buf.readDoubleLE(at + 8);
    at += 16;
    const sub = key();
    if (until >= horizonSeconds) {
      set.revokeUser(sub, belowGeneration, until);
      entries++;
    }
  }
  for (let i = 0; i < header.credentials; i++) {
    need(8);
    const until = buf.readDoubleLE(at);
    at += 8;
    const service = key();
    const credential = key();
    if (until >= horizonSeconds) {
      set.revokeCredential(service, credential, until);
      entries++;
    }
  }
  if (at !== end) throw new SnapshotUnusableError('malformed', 'bytes left after the last entry');
  return entries;
}

function isHeader(value: unknown): value is SnapshotHeader {
  if (typeof value !== 'object' || value === null) return false;
  const h = value as Record<string, unknown>;
  const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
  return (
    typeof h.stream === 'string' &&
    typeof h.streamCreated === 'string' &&
    count(h.seq) &&
    count(h.writtenAt) &&
    count(h.sessions) &&
    count(h.users) &&
    count(h.credentials)
  );
}

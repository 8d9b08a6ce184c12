import { createHash } from 'node:crypto';
import type { RevocationSet } from '../revocation/revocation-set';
import {
  SNAPSHOT_DIGEST_BYTES,
  SNAPSHOT_FORMAT_VERSION,
  SNAPSHOT_MAGIC,
  SNAPSHOT_PREAMBLE_BYTES,
  type SnapshotHeader,
} from './snapshot-format';

/** Where the snapshot comes from: the stream and the last sequence the set holds. */
export type SnapshotPosition = Pick<SnapshotHeader, 'stream' | 'streamCreated' | 'seq'>;

/**
 * Longest key the format holds: a u16 length whose top bit says the key is not ASCII (read as
 * UTF-8; ASCII keys, the usual case, are read as Latin-1, which is faster). Keys are far shorter.
 */
const MAX_KEY_BYTES = 0x7fff;
const NOT_ASCII = 0x8000;

/**
 * Encode the set's entries that still matter at `horizonSeconds` (now minus the clock tolerance)
 * into the binary snapshot format (see `snapshot-format.ts` and the README):
 *
 * ```
 * preamble  magic 'ABRS' | version u16 | 0 u16 | total length u32 | header length u32
 * header    JSON SnapshotHeader (utf8)
 * sessions  per entry: until f64 | sid length u16 (top bit: not ASCII) | sid utf8
 * users     per entry: until f64 | belowGeneration f64 | sub length u16 | sub utf8
 * services  per entry: until f64 | service length u16 | service | credential length u16 | credential
 * trailer   SHA-256 of everything before it
 * ```
 * Little-endian throughout; one pass to size the buffer, one to fill it.
 */
export function encodeRevocationSnapshot(
  set: RevocationSet,
  position: SnapshotPosition,
  horizonSeconds: number,
  writtenAt: number = Date.now(),
): Uint8Array {
  // Two passes over the sessions (size, then fill) rather than a copy of a million of them.
  let sessions = 0;
  let bodyBytes = 0;
  for (const [sid, until] of set.sessionEntries()) {
    if (until < horizonSeconds) continue;
    sessions++;
    bodyBytes += 10 + keyBytes(sid);
  }
  const users = [...set.userEntries()].filter((u) => u.until >= horizonSeconds);
  for (const u of users) bodyBytes += 18 + keyBytes(u.sub);
  const credentials = [...set.credentialEntries()].filter((c) => c.until >= horizonSeconds);
  for (const c of credentials) bodyBytes += 12 + keyBytes(c.service) + keyBytes(c.credential);

  const header: SnapshotHeader = {
    ...position,
    writtenAt,
    sessions,
    users: users.length,
    credentials: credentials.length,
  };
  const headerJson = Buffer.from(JSON.stringify(header), 'utf8');
  const total = SNAPSHOT_PREAMBLE_BYTES + headerJson.length + bodyBytes + SNAPSHOT_DIGEST_BYTES;
  const buf = Buffer.allocUnsafe(total);
  buf.writeUInt32LE(SNAPSHOT_MAGIC, 0);
  buf.writeUInt16LE(SNAPSHOT_FORMAT_VERSION, 4);
  buf.writeUInt16LE(0, 6);
  buf.writeUInt32LE(total, 8);
  buf.writeUInt32LE(headerJson.length, 12);
  let at = SNAPSHOT_PREAMBLE_BYTES + headerJson.copy(buf, SNAPSHOT_PREAMBLE_BYTES);
  const key = (text: string): void => {
    const length = buf.write(text, at + 2, 'utf8');
    // As many bytes as characters: every character was ASCII.
    buf.writeUInt16LE(length === text.length ? length : length | NOT_ASCII, at);
    at += 2 + length;
  };
  for (const [sid, until] of set.sessionEntries()) {
    if (until < horizonSeconds) continue;
    at = buf.writeDoubleLE(until, at);
    key(sid);
  }
  for (const u of users) {
    at = buf.writeDoubleLE(u.until, at);
    at = buf.writeDoubleLE(u.belowGeneration, at);
    key(u.sub);
  }
  for (const c of credentials) {
    at = buf.writeDoubleLE(c.until, at);
    key(c.service);
    key(c.credential);
  }
  createHash('sha256').update(buf.subarray(0, at)).digest().copy(buf, at);
  return buf;
}

function keyBytes(text: string): number {
  const length = Buffer.byteLength(text, 'utf8');
  if (length > MAX_KEY_BYTES) throw new RangeError(`a revocation key of ${length} bytes does not fit a snapshot`);
  return length;
}

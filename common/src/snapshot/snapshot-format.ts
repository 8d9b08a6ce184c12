/** The first bytes of a revocation snapshot: `ABRS` (authbus revocation snapshot). */
export const SNAPSHOT_MAGIC = 0x53524241; // 'ABRS' read as a little-endian u32

/** The format version this package writes and reads. Another version is ignored (full replay). */
export const SNAPSHOT_FORMAT_VERSION = 1;

/** Magic (u32), version (u16), reserved (u16), total length (u32), header length (u32). */
export const SNAPSHOT_PREAMBLE_BYTES = 16;

/** The trailer: SHA-256 of every byte before it. */
export const SNAPSHOT_DIGEST_BYTES = 32;

/** The Object Store bucket the auth service keeps the snapshot in, and the object's name. */
export const SNAPSHOT_BUCKET = 'AUTH_SNAPSHOT';
export const SNAPSHOT_OBJECT = 'revocations';

/** What a snapshot says about itself (its header). */
export interface SnapshotHeader {
  /** The stream it was built from (`AUTH`). */
  stream: string;
  /** That stream's creation time as the server reports it: a recreated stream has another one. */
  streamCreated: string;
  /** Every event up to and including this stream sequence is in the snapshot. */
  seq: number;
  /** When it was written, ms since the epoch. */
  writtenAt: number;
  sessions: number;
  users: number;
  credentials: number;
}

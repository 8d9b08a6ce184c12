import { performance } from 'node:perf_hooks';
import type { NatsConnection } from 'nats';
import type { Logger } from '../logging/logger';
import type { RevocationSet } from '../revocation/revocation-set';
import { applySnapshotEntries, readSnapshotHeader, SnapshotUnusableError } from '../snapshot/decode-snapshot';
import { getSnapshot } from '../snapshot/snapshot-bucket';

/** What became of the snapshot when the feed started. */
export type SnapshotOutcome =
  | {
      loaded: true;
      seq: number;
      entries: number;
      /** Start to loaded, ms; `fetchMs` of it reading the snapshot from NATS. */
      ms: number;
      fetchMs: number;
    }
  | { loaded: false; reason: string };

/** What the feed knows of the stream it is about to replay. */
export interface StreamPosition {
  /** When `AUTH` (a mirror's origin) was created, as the server last said; `undefined` if unknown. */
  created: string | undefined;
  /** The stream's last sequence, as the server last said. */
  lastSeq: number;
}

/**
 * Load the auth service's snapshot into `set` when it is usable for this stream: intact, of this
 * format version, built from the same stream (its creation time) and covering no more than the
 * stream holds. Returns the sequence to replay after (0: replay everything) and what happened,
 * logged in one line either way.
 */
export async function loadSnapshot(options: {
  nc: NatsConnection;
  /** The JetStream API prefix of the account holding the bucket; default `$JS.API`. */
  apiPrefix: string | undefined;
  bucket: string;
  /** Per request, ms. */
  timeout: number;
  set: RevocationSet;
  stream: StreamPosition;
  horizonSeconds: number;
  logger: Logger;
}): Promise<SnapshotOutcome> {
  const { logger, stream } = options;
  const started = performance.now();
  const outcome = await tryLoad(options, started).catch((err: unknown): SnapshotOutcome => ({
    loaded: false,
    reason: err instanceof SnapshotUnusableError ? err.message : `unreadable (${String(err)})`,
  }));
  if (outcome.loaded) logger.info({ ...outcome, bucket: options.bucket }, 'revocation snapshot loaded');
  else
    logger.info(
      { reason: outcome.reason, bucket: options.bucket, streamSeq: stream.lastSeq },
      'revocation snapshot skipped; replaying the whole stream',
    );
  return outcome;
}

async function tryLoad(options: Parameters<typeof loadSnapshot>[0], started: number): Promise<SnapshotOutcome> {
  const { stream } = options;
  if (stream.created === undefined) return { loaded: false, reason: 'stream creation time unknown' };
  const { nc, apiPrefix, bucket, timeout } = options;
  const bytes = await getSnapshot({ nc, bucket, timeout, ...(apiPrefix !== undefined ? { apiPrefix } : {}) });
  if (!bytes) return { loaded: false, reason: 'no snapshot' };
  const fetchMs = Math.round((performance.now() - started) * 10) / 10;
  const header = readSnapshotHeader(bytes);
  if (header.streamCreated !== stream.created)
    return { loaded: false, reason: `of another stream (created ${header.streamCreated}, not ${stream.created})` };
  if (header.seq > stream.lastSeq)
    return { loaded: false, reason: `covers seq ${header.seq}, beyond the stream's last ${stream.lastSeq}` };
  const entries = applySnapshotEntries(bytes, header, options.set, options.horizonSeconds);
  const ms = Math.round((performance.now() - started) * 10) / 10;
  return { loaded: true, seq: header.seq, entries, ms, fetchMs };
}

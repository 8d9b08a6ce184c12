import { ErrorCode, StorageType, type JetStreamClient, type Msg, type NatsConnection } from 'nats';
import { SNAPSHOT_OBJECT } from './snapshot-format';

/** Settings of the snapshot's bucket (an Object Store) when the auth service creates it. */
export interface SnapshotBucketOptions {
  bucket: string;
  /** Replicas of the bucket's stream; like the `AUTH` stream's. */
  replicas: number;
}

/** Largest chunk the snapshot is stored in: half the default 1 MB max payload (Object Store caps it at the server's). */
const CHUNK_BYTES = 512 * 1024;

/**
 * Store the snapshot as the bucket's one object (created with the bucket when missing). Object
 * Store writes the chunks first and the object's metadata last, then purges the previous
 * version's chunks: a reader sees the old snapshot or the new one, never a mix.
 */
export async function putSnapshot(
  js: JetStreamClient,
  bytes: Uint8Array,
  options: SnapshotBucketOptions,
): Promise<void> {
  const os = await js.views.os(options.bucket, { storage: StorageType.File, replicas: options.replicas });
  await os.putBlob({ name: SNAPSHOT_OBJECT, options: { max_chunk_size: CHUNK_BYTES } }, bytes);
}

/** What Object Store keeps of an object (the fields a reader needs). */
interface ObjectMeta {
  nuid: string;
  size: number;
  chunks: number;
  deleted?: boolean;
}

/** Where and how to read the bucket. */
export interface SnapshotReadOptions {
  nc: NatsConnection;
  /** The JetStream API prefix of the account holding the bucket; default `$JS.API`. */
  apiPrefix?: string;
  bucket: string;
  /** Per request, ms. */
  timeout: number;
}

/**
 * Read the snapshot object through JetStream's direct get only (`<apiPrefix>.DIRECT.GET.OBJ_<bucket>`):
 * its metadata by last subject, then each chunk by sequence. A reader needs no consumer on the
 * bucket and no other API, so another NATS account can be given exactly this, read-only.
 * Resolves `undefined` when there is no bucket or no snapshot in it.
 */
export async function getSnapshot(options: SnapshotReadOptions, attempts = 3): Promise<Uint8Array | undefined> {
  const { bucket } = options;
  const api = `${options.apiPrefix ?? '$JS.API'}.DIRECT.GET.OBJ_${bucket}`;
  const metaSubject = `$O.${bucket}.M.${paddedBase64Url(SNAPSHOT_OBJECT)}`;
  // The server answers a direct get on a stream it doesn't have with silence (a timeout), and
  // stream info with a quick "not found": ask that first, so a missing bucket costs one round trip.
  if (!(await bucketExists(options))) return undefined;
  const metaMsg = await directGet(options, `${api}.${metaSubject}`, undefined);
  if (!metaMsg) return undefined;
  const meta = metaMsg.json<ObjectMeta>();
  if (meta.deleted || !Number.isSafeInteger(meta.size) || typeof meta.nuid !== 'string') return undefined;
  // Bounds before anything is allocated or asked for: a chunk holds at least one byte.
  if (meta.size < 0 || meta.size > MAX_SNAPSHOT_BYTES) return undefined;
  if (!Number.isSafeInteger(meta.chunks) || meta.chunks < 0 || meta.chunks > meta.size) return undefined;
  const chunkSubject = `$O.${bucket}.C.${meta.nuid}`;
  const chunks = await readChunks(options, api, chunkSubject, meta.chunks);
  // Replaced while it was read: read the new one (a writer busier than that is left to the full replay).
  if (!chunks) return attempts > 1 ? getSnapshot(options, attempts - 1) : undefined;
  const out = Buffer.allocUnsafe(meta.size);
  let at = 0;
  for (const chunk of chunks) {
    if (at + chunk.length > meta.size) break;
    out.set(chunk, at);
    at += chunk.length;
  }
  // A short read is left to the snapshot's own length check (it fails as truncated).
  return at === meta.size ? out : out.subarray(0, at);
}

/** The largest snapshot read (a million sessions take about 29 MB). */
const MAX_SNAPSHOT_BYTES = 1 << 30;

/** Direct gets in flight at once while reading chunks. */
const PARALLEL_GETS = 32;

/**
 * The object's chunks, in order. The first is found by subject; Object Store publishes the rest
 * one after another, so they are read by sequence, several at once, each checked to be a chunk
 * of this object; if one is not (another writer interleaved), the rest are read one by one by
 * subject. `undefined` when the object was replaced (its chunks purged) meanwhile.
 */
async function readChunks(
  options: SnapshotReadOptions,
  api: string,
  chunkSubject: string,
  count: number,
): Promise<Uint8Array[] | undefined> {
  const chunks: Uint8Array[] = [];
  if (count === 0) return chunks;
  const first = await directGet(options, api, { seq: 1, next_by_subj: chunkSubject });
  if (!first) return undefined;
  chunks.push(first.data);
  let seq = sequenceOf(first);
  while (chunks.length < count) {
    const wanted = Math.min(PARALLEL_GETS, count - chunks.length);
    const replies = await Promise.all(
      Array.from({ length: wanted }, (_, i) => directGet(options, api, { seq: seq + 1 + i })),
    );
    for (const reply of replies) {
      if (!reply || reply.headers?.get('Nats-Subject') !== chunkSubject) {
        // Not the next chunk where it was expected: find it by subject.
        const next = await directGet(options, api, { seq: seq + 1, next_by_subj: chunkSubject });
        if (!next) return undefined;
        chunks.push(next.data);
        seq = sequenceOf(next);
        break;
      }
      chunks.push(reply.data);
      seq = sequenceOf(reply);
    }
  }
  return chunks;
}

function sequenceOf(msg: Msg): number {
  const seq = Number(msg.headers?.get('Nats-Sequence'));
  if (!Number.isSafeInteger(seq)) throw new Error('direct get reply without a sequence');
  return seq;
}

/** Object Store names its metadata subjects by the object's name in padded base64url. */
function paddedBase64Url(text: string): string {
  const b = Buffer.from(text, 'utf8').toString('base64url');
  return b + '='.repeat((4 - (b.length % 4)) % 4);
}

async function bucketExists(options: SnapshotReadOptions): Promise<boolean> {
  const subject = `${options.apiPrefix ?? '$JS.API'}.STREAM.INFO.OBJ_${options.bucket}`;
  const reply = await options.nc.request(subject, undefined, { timeout: options.timeout });
  const answer = reply.json<{ error?: { code?: number; description?: string } }>();
  if (answer.error?.code === 404) return false;
  if (answer.error)
    throw new Error(`stream info OBJ_${options.bucket}: ${answer.error.description ?? answer.error.code}`);
  return true;
}

/**
 * One direct get. `undefined` when there is no such message (404) or no such stream (no one
 * answers); other failures throw.
 */
async function directGet(
  options: SnapshotReadOptions,
  subject: string,
  query: { seq: number; next_by_subj?: string } | undefined,
): Promise<Msg | undefined> {
  let reply: Msg;
  try {
    reply = await options.nc.request(subject, query ? JSON.stringify(query) : undefined, { timeout: options.timeout });
  } catch (err) {
    if ((err as { code?: unknown }).code === ErrorCode.NoResponders) return undefined;
    throw err;
  }
  const status = reply.headers?.code ?? 0;
  if (status === 404) return undefined;
  if (status >= 300) throw new Error(`direct get ${subject}: ${status} ${reply.headers?.description ?? ''}`.trim());
  return reply;
}

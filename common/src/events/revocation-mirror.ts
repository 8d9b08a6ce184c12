import { RetentionPolicy, type NatsConnection, type StreamConfig, type StreamInfo } from 'nats';
import { MirrorUnusableError } from '../errors/mirror-unusable-error';
import { isStreamNotFound } from './auth-stream';
import { AUTH_STREAM } from './subjects';

/**
 * Where a reading service's NATS account finds the auth account's `AUTH` stream. With one NATS
 * account per service (infra/nats/nats.conf), a reader cannot reach the auth account's consumers
 * at all; it keeps a mirror of `AUTH` in its own account, which the server fills through these
 * two subjects the auth account exports to it.
 */
export interface RevocationMirrorOptions {
  /**
   * The prefix under which this account imports the auth account's JetStream API, e.g.
   * `$JS.auth.API`: the server's mirror machinery creates its consumer on the origin there, and
   * the origin's settings are read there (`STREAM.INFO.AUTH`).
   */
  apiPrefix: string;
  /** The delivery subject prefix the auth account exports to this account only, e.g. `deliver.auth.TICKETS`. */
  deliverPrefix: string;
}

/** Options of `ensureRevocationMirror`. */
export interface EnsureRevocationMirrorOptions extends RevocationMirrorOptions {
  /** The mirror's name in this account; default `AUTH`, so feeds and listeners read it as usual. */
  stream?: string;
  /** JetStream request timeout, ms; default 5000. */
  timeoutMs?: number;
  /** Called when an existing stream could not be trusted and was replaced, with why (for the log). */
  onReplaced?: (problem: string) => void;
}

/**
 * The mirror's configuration: the origin's retention (a mirror does not follow the origin's
 * deletions, it ages messages out itself, by their original time), storage and replicas, and no
 * subjects of its own (a mirror cannot have any, so nothing published in this account lands in it).
 */
export function revocationMirrorConfig(
  origin: StreamConfig,
  options: EnsureRevocationMirrorOptions,
): Partial<StreamConfig> & { name: string } {
  return {
    name: options.stream ?? AUTH_STREAM,
    mirror: { name: AUTH_STREAM, external: { api: options.apiPrefix, deliver: options.deliverPrefix } },
    retention: RetentionPolicy.Limits,
    storage: origin.storage,
    max_age: origin.max_age,
    max_msg_size: origin.max_msg_size,
    num_replicas: origin.num_replicas,
  };
}

/**
 * Make sure this account holds a usable mirror of the auth service's `AUTH` stream, creating it
 * if there is none, and return its info. A reading service calls this (through `createAuthKit`,
 * `revocation.mirror`) before its feed and listeners read the mirror, and again when its feed
 * finds the origin was created anew.
 *
 * A stream of that name that cannot be trusted (not a mirror of `AUTH` through these prefixes, a
 * shorter retention than the origin's, or created before the origin: the origin was deleted and
 * created again, restarting its sequences, which a mirror cannot follow) is deleted and created
 * again: the origin holds everything the mirror needs. Rejects with the JetStream "stream not
 * found" error while the origin does not exist yet (the auth service creates it: try again
 * later), and with `MirrorUnusableError` when such a stream cannot be replaced (the reader's NATS
 * user may not delete it).
 *
 * @example
 * ```ts
 * await ensureRevocationMirror(nc, { apiPrefix: '$JS.auth.API', deliverPrefix: 'deliver.auth.TICKETS' });
 * ```
 */
export async function ensureRevocationMirror(
  nc: NatsConnection,
  options: EnsureRevocationMirrorOptions,
): Promise<StreamInfo> {
  const timeout = options.timeoutMs ?? 5000;
  const name = options.stream ?? AUTH_STREAM;
  const originJsm = await nc.jetstreamManager({ apiPrefix: options.apiPrefix, checkAPI: false, timeout });
  const jsm = await nc.jetstreamManager({ checkAPI: false, timeout });
  const origin = await originJsm.streams.info(AUTH_STREAM);
  let mirror = await jsm.streams.info(name).catch((err: unknown) => {
    if (isStreamNotFound(err)) return undefined;
    throw err;
  });
  if (mirror) {
    const problem = mirrorProblem(mirror, origin, options);
    if (problem === undefined) return mirror;
    try {
      await jsm.streams.delete(name);
    } catch (err) {
      throw new MirrorUnusableError(
        `${problem}; it cannot be replaced (${String(err)}): remove stream ${name} from this service's NATS account`,
        { cause: err },
      );
    }
    options.onReplaced?.(problem);
  }
  try {
    // Replicas starting together each try this; an identical request succeeds for all of them.
    return await jsm.streams.add(revocationMirrorConfig(origin.config, options));
  } catch (err) {
    mirror = await jsm.streams.info(name).catch(() => undefined);
    if (!mirror) throw err;
    const problem = mirrorProblem(mirror, origin, options);
    if (problem !== undefined) throw new MirrorUnusableError(problem, { cause: err });
    return mirror;
  }
}

/** Is this mirror's stream older than the origin's (the origin was created anew since)? */
export function mirrorPredatesOrigin(mirror: StreamInfo, origin: StreamInfo): boolean {
  return createdNanos(mirror.created) < createdNanos(origin.created);
}

/** Why this mirror cannot be trusted, or `undefined` when it can. */
function mirrorProblem(
  mirror: StreamInfo,
  origin: StreamInfo,
  options: EnsureRevocationMirrorOptions,
): string | undefined {
  const { name } = mirror.config;
  const source = mirror.config.mirror;
  const external = source?.external;
  if (
    source?.name !== AUTH_STREAM ||
    external?.api !== options.apiPrefix ||
    external.deliver !== options.deliverPrefix
  ) {
    const what = source
      ? `a mirror of ${source.name} through ${external?.api ?? 'this account'}, ${external?.deliver ?? 'no deliver prefix'}`
      : 'not a mirror';
    return `Stream ${name} is ${what}, not of the auth service's ${AUTH_STREAM} through ${options.apiPrefix}, ${options.deliverPrefix}`;
  }
  const keeps = mirror.config.max_age;
  const needs = origin.config.max_age;
  if (keeps !== 0 && (needs === 0 || keeps < needs)) {
    return `Mirror ${name} keeps events for ${keeps / 1e9} s, less than ${AUTH_STREAM} (${needs / 1e9} s): a service started late would miss revocations`;
  }
  if (mirrorPredatesOrigin(mirror, origin)) {
    return `${AUTH_STREAM} was created again (${origin.created}) after mirror ${name} (${mirror.created}); its sequences restarted, which a mirror cannot follow`;
  }
  return undefined;
}

/**
 * A stream's creation time in nanoseconds. The server writes RFC 3339 with up to nine fraction
 * digits and trailing zeros dropped, so neither Date.parse (milliseconds) nor comparing the
 * strings tells apart two streams made in the same millisecond.
 */
function createdNanos(created: string): bigint {
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(created);
  if (!m) return BigInt(Date.parse(created)) * 1_000_000n;
  const seconds = BigInt(Date.parse(`${m[1]}${m[3]}`)) / 1000n;
  return seconds * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9));
}

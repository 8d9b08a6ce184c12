import {
  RetentionPolicy,
  StorageType,
  nanos,
  type JetStreamManager,
  type Republish,
  type StreamConfig,
  type StreamInfo,
} from 'nats';
import { silentLogger, type Logger } from '../logging/logger';
import { AUTH_LIVE_SUBJECTS, AUTH_STREAM, AUTH_STREAM_SUBJECTS } from './subjects';

/** Settings of the `AUTH` stream. */
export interface AuthStreamOptions {
  /**
   * How long events are kept, ms. Must cover the longest time a revocation can matter: the access
   * token lifetime plus clock tolerance (a revocation refuses tokens at most that long).
   */
  maxAgeMs: number;
  /** Window in which a re-published event id is dropped, ms; at least 2 minutes. Default 2 minutes. */
  duplicateWindowMs?: number;
  /**
   * 1 locally, 3 in a cluster. Default 1. An existing stream with more replicas keeps them:
   * `ensureAuthStream` raises the count, never lowers it (lower it by hand, `nats stream edit`).
   */
  replicas?: number;
  /**
   * Republish each stored event on `auth.live.>` with its stream sequence (default true): every
   * feed then gets each event once, live, and reads the stream only to fill a gap. nats-server
   * before 2.10 cannot add this to an existing stream: such a stream keeps working without it
   * (feeds consume it as well) until it is created again.
   */
  republish?: boolean;
}

/** The republish of the `AUTH` stream: every event, on `auth.live.>`, headers and body. */
export const AUTH_REPUBLISH: Republish = { src: 'auth.>', dest: AUTH_LIVE_SUBJECTS };

/** Does this stream republish every event the way the feed reads live (`AUTH_REPUBLISH`)? */
export function republishesLive(config: Pick<StreamConfig, 'republish'>): boolean {
  const republish = config.republish;
  return (
    republish !== undefined &&
    republish.dest === AUTH_REPUBLISH.dest &&
    (republish.src === AUTH_REPUBLISH.src || republish.src === '>' || !republish.src) &&
    republish.headers_only !== true
  );
}

export const MIN_DUPLICATE_WINDOW_MS = 2 * 60 * 1000;

/** The stream configuration authbus uses, for creating or comparing. */
export function authStreamConfig(options: AuthStreamOptions): Partial<StreamConfig> & { name: string } {
  const duplicateWindow = Math.max(options.duplicateWindowMs ?? MIN_DUPLICATE_WINDOW_MS, MIN_DUPLICATE_WINDOW_MS);
  return {
    name: AUTH_STREAM,
    subjects: [...AUTH_STREAM_SUBJECTS],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: nanos(options.maxAgeMs),
    duplicate_window: nanos(Math.min(duplicateWindow, options.maxAgeMs)),
    num_replicas: options.replicas ?? 1,
    ...(options.republish === false ? {} : { republish: { ...AUTH_REPUBLISH } }),
  };
}

/**
 * Create the `AUTH` stream, or update it to these settings if it exists. Only the auth service
 * calls this (it owns the stream); other services just read from it. The replica count of an
 * existing stream is raised to `replicas` but never lowered: a service started without the
 * cluster's setting must not quietly take an R3 stream down to R1. What it did is logged.
 */
export async function ensureAuthStream(
  jsm: JetStreamManager,
  options: AuthStreamOptions,
  logger: Logger = silentLogger,
): Promise<StreamInfo> {
  const config = authStreamConfig(options);
  let current: StreamInfo;
  try {
    current = await jsm.streams.info(AUTH_STREAM);
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
    const created = await jsm.streams.add(config);
    logger.info({ stream: AUTH_STREAM, replicas: created.config.num_replicas }, 'AUTH stream created');
    return created;
  }
  const had = current.config.num_replicas || 1;
  const replicas = Math.max(had, config.num_replicas ?? 1);
  if (replicas > had) logger.info({ stream: AUTH_STREAM, from: had, to: replicas }, 'AUTH stream replicas raised');
  else if (replicas > (config.num_replicas ?? 1))
    logger.info(
      { stream: AUTH_STREAM, replicas: had, configured: config.num_replicas },
      'AUTH stream keeps its replicas: a lower configured count never lowers them',
    );
  const wanted: StreamConfig = { ...current.config, ...config, num_replicas: replicas };
  if (!config.republish) delete wanted.republish;
  const changing = republishesLive(current.config) !== republishesLive(config);
  try {
    const updated = await jsm.streams.update(AUTH_STREAM, wanted);
    if (changing)
      logger.info(
        { stream: AUTH_STREAM, republish: updated.config.republish ?? null },
        'AUTH stream republish changed',
      );
    return updated;
  } catch (err) {
    if (!changing || !isRepublishUnchangeable(err)) throw err;
    // Deleting the stream to get the republish would lose the revocations it retains: keep it as it is.
    logger.warn(
      { stream: AUTH_STREAM, republish: current.config.republish ?? null, wanted: config.republish ?? null },
      'AUTH stream keeps its republish setting: this nats-server cannot change it on an existing stream ' +
        '(2.10 and later can); feeds read the stream as it is',
    );
    const { republish: _unchangeable, ...rest } = wanted;
    return jsm.streams.update(
      AUTH_STREAM,
      current.config.republish ? { ...rest, republish: current.config.republish } : rest,
    );
  }
}

/** Does this error say the server cannot change a stream's republish (nats-server before 2.10)? */
function isRepublishUnchangeable(err: unknown): boolean {
  return err instanceof Error && /can not change RePublish/i.test(err.message);
}

/** Does this JetStream API error say the stream does not exist? */
export function isStreamNotFound(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const apiCode = (err as { api_error?: { err_code?: number } }).api_error?.err_code;
  return apiCode === 10059 || err.message === 'stream not found';
}

import { RetentionPolicy, StorageType, nanos, type JetStreamManager, type StreamConfig, type StreamInfo } from 'nats';
import { AUTH_STREAM, AUTH_SUBJECTS } from './subjects';

/** Settings of the `AUTH` stream. */
export interface AuthStreamOptions {
  /**
   * How long events are kept, ms. Must cover the longest time a revocation can matter: the access
   * token lifetime plus clock tolerance (a revocation refuses tokens at most that long).
   */
  maxAgeMs: number;
  /** Window in which a re-published event id is dropped, ms; at least 2 minutes. Default 2 minutes. */
  duplicateWindowMs?: number;
  /** 1 locally, 3 in a cluster. Default 1. */
  replicas?: number;
}

export const MIN_DUPLICATE_WINDOW_MS = 2 * 60 * 1000;

/** The stream configuration authbus uses, for creating or comparing. */
export function authStreamConfig(options: AuthStreamOptions): Partial<StreamConfig> & { name: string } {
  const duplicateWindow = Math.max(options.duplicateWindowMs ?? MIN_DUPLICATE_WINDOW_MS, MIN_DUPLICATE_WINDOW_MS);
  return {
    name: AUTH_STREAM,
    subjects: [AUTH_SUBJECTS],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: nanos(options.maxAgeMs),
    duplicate_window: nanos(Math.min(duplicateWindow, options.maxAgeMs)),
    num_replicas: options.replicas ?? 1,
  };
}

/**
 * Create the `AUTH` stream, or update it to these settings if it exists. Only the auth service
 * calls this (it owns the stream); other services just read from it.
 */
export async function ensureAuthStream(jsm: JetStreamManager, options: AuthStreamOptions): Promise<StreamInfo> {
  const config = authStreamConfig(options);
  try {
    const current = await jsm.streams.info(AUTH_STREAM);
    return await jsm.streams.update(AUTH_STREAM, { ...current.config, ...config });
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
    return jsm.streams.add(config);
  }
}

/** Does this JetStream API error say the stream does not exist? */
export function isStreamNotFound(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const apiCode = (err as { api_error?: { err_code?: number } }).api_error?.err_code;
  return apiCode === 10059 || err.message === 'stream not found';
}

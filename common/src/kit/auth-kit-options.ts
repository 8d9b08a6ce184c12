import type { NatsConnection } from 'nats';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging/logger';
import type { NatsOptions } from '../nats/connect-nats';
import type { AnyEventEnvelope } from '../events/auth-event';
import type { RevocationMirrorOptions } from '../events/revocation-mirror';
import type { FeedSnapshotOptions, FeedSource } from '../feed/revocation-feed';
import type { ServiceTokenSource } from '../calls/token-source';
import type { KeyRing } from '../tokens/key-ring';
import type { TokenOptions } from '../tokens/token-options';
import type { TokenCacheOptions } from '../tokens/verified-token-cache';

/** What to do when the revocation feed has been out of touch longer than `maxStalenessMs`. */
export type StalenessPolicy = 'closed' | 'open';

/** Revocation feed settings. */
export interface RevocationOptions {
  /** How long the feed may be out of touch before the policy applies, ms; default 30 000. */
  maxStalenessMs?: number;
  /** `closed` (default): answer authenticated requests 503; `open`: serve, warn, count. */
  stalenessPolicy?: StalenessPolicy;
  /** How often the feed asks the server whether it is in sync while auth's heartbeats are not arriving, ms; default 1000. */
  syncIntervalMs?: number;
  /** Auth's heartbeats count as arriving while one came within this, ms; default 3000 (`REVOCATION_HEARTBEAT_TIMEOUT`). */
  heartbeatTimeoutMs?: number;
  /**
   * How long an auth instance whose heartbeats stopped is remembered, ms; default 120 000
   * (`REVOCATION_SILENT_MEMORY`, `INSTANCE_MEMORY_MS`). Meanwhile the feed counts itself in sync no
   * later than that instance's last heartbeat (it may hold sign-outs it cannot publish); after it,
   * the feed trusts its own probes again. The auth service reads the same setting and stops
   * answering revocations 200 before verifiers forget it: give every service the same value.
   */
  silentMemoryMs?: number;
  /** Apply live events from a core subscription as well as the stream (default true). */
  live?: boolean;
  /** Stream name; default `AUTH`. */
  stream?: string;
  /**
   * Read a mirror of the auth account's `AUTH` stream in this service's own NATS account, named
   * `stream`, instead of `AUTH` itself: for a reading service when NATS gives every service its
   * own account (infra/nats/nats.conf). The kit creates the mirror if there is none
   * (`ensureRevocationMirror`) before the feed starts, and is not ready until it has replayed it.
   * Leave it out when all services share one account (a plain nats-server, `npm start`).
   */
  mirror?: RevocationMirrorOptions;
  /**
   * Load the auth service's revocation snapshot (an Object Store bucket, `AUTH_SNAPSHOT`) at
   * start-up and replay only the events after it (default on; read through the mirror's
   * `apiPrefix` when there is one); `false` always replays the whole stream.
   */
  snapshot?: FeedSnapshotOptions | false;
  /** Called after each revocation is applied (e.g. propagation measurements). */
  onApplied?: (envelope: AnyEventEnvelope, source: FeedSource) => void;
}

/** This service's identity among services: what it accepts, and how it gets tokens to call others. */
export interface ServiceIdentityOptions {
  /** The service's name: service tokens are accepted only with it in `aud` (`requireService`). */
  name: string;
  /**
   * Where `fetchAsService` / `fetchOnBehalf` get tokens: the auth service's token endpoint with
   * this service's credential (`httpTokenSource`; `authKitOptionsFromEnv` builds it from
   * `SERVICE_PRIVATE_KEY` and `AUTH_URL`). Without it the service accepts service tokens but
   * makes no calls with its own identity.
   */
  tokenSource?: ServiceTokenSource;
}

/** Everything `createAuthKit` needs. Build it once at start-up (`authKitOptionsFromEnv` reads the usual env). */
export interface AuthKitOptions {
  /**
   * The configured keys. The kit verifies with a `LiveKeyRing` started from them (this one, if it
   * is already a `LiveKeyRing`) that follows the key sets auth publishes (`keyFeed`).
   */
  keyRing: KeyRing;
  /** Follow the auth service's key sets (`auth.keys.updated`) on the feed: rotation and withdrawal without restarts. Default true. */
  keyFeed?: boolean;
  /** A connection the caller owns, or where to connect (the kit then owns and closes it). */
  nats: NatsConnection | NatsOptions;
  token?: TokenOptions;
  /**
   * The verified-token cache: a token's signature is checked once, then its claims are found by the
   * exact token string (times, revocation and staleness are still checked on every request).
   * Default 50 000 tokens / 64 MiB; `{ maxEntries: 0 }` turns it off.
   */
  tokenCache?: TokenCacheOptions;
  revocation?: RevocationOptions;
  /** Service identity: accept service tokens addressed to this service, and call others. */
  service?: ServiceIdentityOptions;
  logger?: Logger;
  /** Registry for the kit's metrics; default a new one (`kit.metrics`). */
  registry?: Registry;
}

export const DEFAULT_MAX_STALENESS_MS = 30_000;

import type { AnyEventEnvelope } from '@authbus/common';

/** A user as stored. `id` is a 24-hex-digit id (a MongoDB ObjectId in the mongo store). */
export interface UserRecord {
  id: string;
  email: string;
  passwordHash: string;
  roles: string[];
  banned: boolean;
  banReason?: string;
  /**
   * The user's token generation: every token carries the one it was issued in (`gen`), and a ban
   * or sign-out everywhere raises it, refusing every token below. 0 for a user never cut off.
   */
  generation: number;
  createdAt: Date;
}

/** A sign-in session: `id` is the `sid` claim of every token issued for it. */
export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: Date;
  /** Refresh is refused after this (absolute session lifetime). */
  expiresAt: Date;
  /** The `jti` of the newest token; refresh must present it (or the previous one within grace). */
  currentJti: string;
  previousJti?: string;
  rotatedAt?: Date;
  /** The latest `exp` of any token issued for this session (seconds): the `until` of its revocation. */
  lastExp: number;
  revoked: boolean;
  revokedAt?: Date;
  revokedReason?: string;
}

/** An event waiting to be (or already) published. `id` is the envelope id. */
export interface OutboxRecord {
  id: string;
  envelope: AnyEventEnvelope;
  createdAt: Date;
  attempts: number;
  nextAttemptAt: Date;
  /**
   * How many times a lost stream made the store publish its events again (`requeuePublished`):
   * a publish is marked only if this is unchanged since it was read, so a publish the lost stream
   * acknowledged just before it vanished is not counted as published.
   */
  requeues: number;
  publishedAt?: Date;
  lastError?: string;
}

/**
 * A signing key the service made (rotation) or a configured one it withdrew. Private keys are
 * stored sealed (AES-256-GCM under `KEYS_ENCRYPTION_KEY`, keys/key-sealer.ts), never in the clear.
 */
export interface SigningKeyRecord {
  kid: string;
  alg: 'HS256' | 'ES256' | 'RS256';
  /** `rotation`: made by `POST /api/keys/rotate`; `environment`: configured (only its withdrawal is stored). */
  source: 'rotation' | 'environment';
  /** The sealed PKCS#8 private key (`rotation` keys only). */
  sealedPrivateKey?: string;
  createdAt: Date;
  /** Signing starts then (the publish-ahead delay after creation). */
  activatesAt?: Date;
  /** When a newer key took over signing: published until `retiresAt`. */
  deactivatedAt?: Date;
  /** No longer published from then on (every token it signed has expired). */
  retiresAt?: Date;
  withdrawnAt?: Date;
}

import { Schema, type Types, type Connection, type Model } from 'mongoose';
import type { AnyEventEnvelope } from '@authbus/common';
import type { SigningKeyRecord } from '../records';

export interface UserDoc {
  _id: Types.ObjectId;
  email: string;
  passwordHash: string;
  roles: string[];
  banned: boolean;
  banReason?: string;
  generation: number;
  createdAt: Date;
  /** When the user's newest session was created (written with it, so sign-ins conflict with cut-offs). */
  lastSessionAt?: Date;
}

export interface SessionDoc {
  _id: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  currentJti: string;
  previousJti?: string;
  rotatedAt?: Date;
  lastExp: number;
  revoked: boolean;
  revokedAt?: Date;
  revokedReason?: string;
}

export interface OutboxDoc {
  _id: string;
  envelope: AnyEventEnvelope;
  createdAt: Date;
  attempts: number;
  nextAttemptAt: Date;
  /** Absent on documents written before it existed: read as 0. */
  requeues?: number;
  publishedAt?: Date;
  lastError?: string;
}

/** A revoked service credential; `_id` is `<service> <credential>`. Kept for good. */
export interface RevokedCredentialDoc {
  _id: string;
  service: string;
  credential: string;
  reason: string;
  revokedAt: Date;
}

const revokedCredentialSchema = new Schema<RevokedCredentialDoc>({
  _id: { type: String, required: true },
  service: { type: String, required: true },
  credential: { type: String, required: true },
  reason: { type: String, required: true },
  revokedAt: { type: Date, required: true },
});

const userSchema = new Schema<UserDoc>({
  email: { type: String, required: true, unique: true },
  passwordHash: { type: String, required: true },
  roles: { type: [String], required: true },
  banned: { type: Boolean, required: true, default: false },
  banReason: { type: String },
  generation: { type: Number, required: true, default: 0 },
  createdAt: { type: Date, required: true },
  lastSessionAt: { type: Date },
});

const sessionSchema = new Schema<SessionDoc>({
  _id: { type: String, required: true },
  userId: { type: String, required: true, index: true },
  createdAt: { type: Date, required: true },
  // Expired sessions can no longer be refreshed; drop them a day later.
  expiresAt: { type: Date, required: true, expires: 24 * 3600 },
  currentJti: { type: String, required: true },
  previousJti: { type: String },
  rotatedAt: { type: Date },
  lastExp: { type: Number, required: true },
  revoked: { type: Boolean, required: true, default: false },
  revokedAt: { type: Date },
  revokedReason: { type: String },
});

const outboxSchema = new Schema<OutboxDoc>({
  _id: { type: String, required: true },
  envelope: { type: Schema.Types.Mixed, required: true },
  createdAt: { type: Date, required: true },
  attempts: { type: Number, required: true, default: 0 },
  nextAttemptAt: { type: Date, required: true },
  requeues: { type: Number, required: true, default: 0 },
  // Published events are kept a week for audit, then removed (documents without it never expire).
  publishedAt: { type: Date, expires: 7 * 24 * 3600 },
  lastError: { type: String },
});
outboxSchema.index({ publishedAt: 1, nextAttemptAt: 1, createdAt: 1 });
// requeuePublished: published revocations that still matter.
outboxSchema.index({ 'envelope.data.until': 1 }, { partialFilterExpression: { publishedAt: { $exists: true } } });

/** A signing key record (records.ts `SigningKeyRecord`), keyed by kid. */
/** A signing key record as stored: the kid is the document id. */
export type SigningKeyDoc = Omit<SigningKeyRecord, 'kid'> & { _id: string };

const signingKeySchema = new Schema<SigningKeyDoc>({
  _id: { type: String, required: true },
  alg: { type: String, required: true },
  source: { type: String, required: true },
  sealedPrivateKey: { type: String },
  createdAt: { type: Date, required: true },
  activatesAt: { type: Date },
  deactivatedAt: { type: Date },
  retiresAt: { type: Date },
  withdrawnAt: { type: Date },
});

export interface AuthModels {
  User: Model<UserDoc>;
  Session: Model<SessionDoc>;
  Outbox: Model<OutboxDoc>;
  SigningKey: Model<SigningKeyDoc>;
  RevokedCredential: Model<RevokedCredentialDoc>;
}

/** The models, bound to one connection. */
export function authModels(connection: Connection): AuthModels {
  return {
    User: connection.model<UserDoc>('User', userSchema),
    Session: connection.model<SessionDoc>('Session', sessionSchema),
    Outbox: connection.model<OutboxDoc, Model<OutboxDoc>>('Outbox', outboxSchema, 'outbox'),
    SigningKey: connection.model<SigningKeyDoc, Model<SigningKeyDoc>>('SigningKey', signingKeySchema, 'signing_keys'),
    RevokedCredential: connection.model<RevokedCredentialDoc>(
      'RevokedCredential',
      revokedCredentialSchema,
      'revokedcredentials',
    ),
  };
}

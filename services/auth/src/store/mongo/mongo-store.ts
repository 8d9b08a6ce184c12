import mongoose, { Types, type ClientSession, type Connection } from 'mongoose';
import { ConfigError } from '@authbus/common';
import {
  EmailTakenError,
  type AppliedChange,
  type AuthStore,
  type ChangeEvents,
  type RotateResult,
  type StateChange,
} from '../auth-store';
import type { OutboxRecord, SessionRecord, SigningKeyRecord, UserRecord } from '../records';
import {
  authModels,
  type AuthModels,
  type OutboxDoc,
  type SessionDoc,
  type SigningKeyDoc,
  type UserDoc,
} from './models';

/**
 * The production store: MongoDB through mongoose. `commit` runs in a transaction, so MongoDB
 * must be a replica set (a single-node one is fine); `connect` checks and says so.
 */
export class MongoStore implements AuthStore {
  readonly kind = 'mongo' as const;

  private constructor(
    /** Also where the rate limits count when `RATE_LIMIT_STORE=mongo`. */
    readonly connection: Connection,
    private readonly models: AuthModels,
    private readonly now: () => number,
    private readonly inTransaction: ((change: StateChange) => Promise<void>) | undefined,
  ) {}

  /**
   * Connect, check for transaction support, create collections and indexes. `now`: the clock
   * `AppliedChange.at` is read from (the service's clock). `inTransaction`: for race tests, runs
   * inside each commit's transaction once the change is applied, before it commits (a slow
   * commit is a long wait here).
   */
  static async connect(
    uri: string,
    options: { now?: () => number; inTransaction?: (change: StateChange) => Promise<void> } = {},
  ): Promise<MongoStore> {
    const connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000 }).asPromise();
    const hello = await connection.db!.admin().command({ hello: 1 });
    if (!hello.setName && hello.msg !== 'isdbgrid') {
      await connection.close();
      throw new ConfigError(
        'MONGO_URI points at a standalone mongod; the auth service writes state and events in one transaction, ' +
          'which needs a replica set (start mongod with --replSet rs0 and run rs.initiate() once)',
      );
    }
    const models = authModels(connection);
    await Promise.all([
      models.User.init(),
      models.Session.init(),
      models.Outbox.init(),
      models.SigningKey.init(),
      models.RevokedCredential.init(),
    ]);
    return new MongoStore(connection, models, options.now ?? Date.now, options.inTransaction);
  }

  /**
   * One transaction: the change, then its events (built from what the transaction read), into the
   * outbox. The callback may run more than once (mongoose retries transient transaction errors);
   * each run reads the clock and the documents afresh.
   */
  async commit(change: StateChange, events: ChangeEvents): Promise<AppliedChange> {
    try {
      let applied: AppliedChange | undefined;
      await this.connection.transaction(async (session) => {
        applied = await this.apply(change, session, new Date(this.now()));
        await this.inTransaction?.(change);
        const envelopes = typeof events === 'function' ? events(applied) : events;
        const at = new Date(this.now());
        await this.models.Outbox.create(
          envelopes.map((envelope) => ({
            _id: envelope.id,
            envelope,
            createdAt: at,
            attempts: 0,
            nextAttemptAt: at,
            requeues: 0,
          })),
          { session, ordered: true },
        );
      });
      return applied!;
    } catch (err) {
      if ((err as { code?: number }).code === 11000 && change.kind === 'user-created') throw new EmailTakenError();
      throw err;
    }
  }

  private async apply(change: StateChange, session: ClientSession, at: Date): Promise<AppliedChange> {
    const { User, Session } = this.models;
    switch (change.kind) {
      case 'user-created': {
        const { id, ...fields } = change.user;
        await User.create([{ _id: new Types.ObjectId(id), ...fields }], { session });
        return { at };
      }
      case 'session-revoked': {
        // The document as it was before: its lastExp covers every token a refresh committed first.
        const before = await Session.findOneAndUpdate(
          { _id: change.sessionId, revoked: false },
          { $set: { revoked: true, revokedAt: at, revokedReason: change.reason } },
          { session, new: false },
        ).lean<SessionDoc>();
        return before ? { at, revoked: toSession(before) } : { at };
      }
      case 'user-sessions-revoked': {
        // The user document first: from here on a sign-in's createSession, which writes it too,
        // conflicts with this transaction, so every session this one does not end is created
        // after it commits, and reads the raised generation.
        const user = await User.findOneAndUpdate(
          { _id: new Types.ObjectId(change.userId) },
          { $inc: { generation: 1 }, ...(change.ban ? { $set: { banned: true, banReason: change.ban.reason } } : {}) },
          { session, new: true },
        ).lean<UserDoc>();
        // The cut-off's time is read now, with the snapshot taken: a token of a session this
        // transaction ends was issued before it (a later compare-and-set waits for this commit).
        const cutAt = new Date(this.now());
        await Session.updateMany(
          { userId: change.userId, revoked: false },
          { $set: { revoked: true, revokedAt: cutAt, revokedReason: change.reason } },
          { session },
        );
        return user ? { at: cutAt, generation: user.generation } : { at: cutAt };
      }
      case 'user-unbanned':
        await User.updateOne(
          { _id: new Types.ObjectId(change.userId) },
          { $set: { banned: false }, $unset: { banReason: 1 } },
          { session },
        );
        return { at };
      case 'credential-revoked':
        await this.models.RevokedCredential.updateOne(
          { _id: `${change.service} ${change.credential}` },
          {
            $setOnInsert: {
              service: change.service,
              credential: change.credential,
              reason: change.reason,
              revokedAt: at,
            },
          },
          { session, upsert: true },
        );
        return { at };
      case 'external-revocation':
        return { at };
    }
  }

  async isCredentialRevoked(service: string, credential: string): Promise<boolean> {
    return (await this.models.RevokedCredential.exists({ _id: `${service} ${credential}` })) !== null;
  }

  async findUserByEmail(email: string): Promise<UserRecord | undefined> {
    const doc = await this.models.User.findOne({ email }).lean<UserDoc>();
    return doc ? toUser(doc) : undefined;
  }

  async findUserById(id: string): Promise<UserRecord | undefined> {
    if (!Types.ObjectId.isValid(id)) return undefined;
    const doc = await this.models.User.findById(id).lean<UserDoc>();
    return doc ? toUser(doc) : undefined;
  }

  async listUsers(options: { limit: number; offset: number }): Promise<{ users: UserRecord[]; total: number }> {
    const [docs, total] = await Promise.all([
      this.models.User.find()
        .sort({ createdAt: 1, _id: 1 })
        .skip(options.offset)
        .limit(options.limit)
        .lean<UserDoc[]>(),
      this.models.User.countDocuments(),
    ]);
    return { users: docs.map(toUser), total };
  }

  /**
   * A new session, in a transaction that also writes its user's document (`lastSessionAt`). A ban
   * or sign-out everywhere writes that document too, so the two conflict and one waits for the
   * other (MongoDB retries the loser): the session is either created before the cut-off's
   * snapshot (and ended by it) or after its commit (and the sign-in then reads the raised
   * generation). Without that write, a session created while a cut-off is committing would be
   * missed by it, and its token carry the old generation past the cut-off's `until`.
   */
  async createSession(session: SessionRecord): Promise<void> {
    const { id, ...fields } = session;
    await this.connection.transaction(async (tx) => {
      await this.models.User.updateOne(
        { _id: new Types.ObjectId(session.userId) },
        { $set: { lastSessionAt: session.createdAt } },
        { session: tx },
      );
      await this.models.Session.create([{ _id: id, ...fields }], { session: tx });
    });
  }

  async findSession(id: string): Promise<SessionRecord | undefined> {
    const doc = await this.models.Session.findById(id).lean<SessionDoc>();
    return doc ? toSession(doc) : undefined;
  }

  async rotateSession(id: string, fromJti: string, toJti: string, lastExp: number, at: Date): Promise<RotateResult> {
    const doc = await this.models.Session.findOneAndUpdate(
      { _id: id, revoked: false, currentJti: fromJti },
      { $set: { previousJti: fromJti, currentJti: toJti, rotatedAt: at }, $max: { lastExp } },
      { new: true },
    ).lean<SessionDoc>();
    if (doc) return { rotated: true, session: toSession(doc) };
    return { rotated: false, session: await this.findSession(id) };
  }

  async extendSession(id: string, lastExp: number): Promise<boolean> {
    const result = await this.models.Session.updateOne({ _id: id, revoked: false }, { $max: { lastExp } });
    return result.matchedCount === 1;
  }

  async duePending(now: Date, limit: number): Promise<OutboxRecord[]> {
    const docs = await this.models.Outbox.find({ publishedAt: { $exists: false }, nextAttemptAt: { $lte: now } })
      .sort({ createdAt: 1 })
      .limit(limit)
      .lean<OutboxDoc[]>();
    return docs.map(toOutbox);
  }

  async markPublished(read: Pick<OutboxRecord, 'id' | 'requeues'>, at: Date): Promise<boolean> {
    // Unchanged since read: `requeues` only grows, and documents from before the field have none.
    const result = await this.models.Outbox.updateOne(
      { _id: read.id, publishedAt: { $exists: false }, requeues: { $not: { $gt: read.requeues } } },
      { $set: { publishedAt: at } },
    );
    return result.modifiedCount === 1;
  }

  async markFailed(id: string, error: string, nextAttemptAt: Date): Promise<void> {
    await this.models.Outbox.updateOne(
      { _id: id, publishedAt: { $exists: false } },
      { $inc: { attempts: 1 }, $set: { lastError: error.slice(0, 500), nextAttemptAt } },
    );
  }

  async requeuePublished(horizonSeconds: number): Promise<number> {
    // Pending first: a publish in flight to the lost stream can no longer be marked; one marked
    // before this is published, and is re-queued by the second update.
    await this.models.Outbox.updateMany({ publishedAt: { $exists: false } }, { $inc: { requeues: 1 } });
    const result = await this.models.Outbox.updateMany(
      { publishedAt: { $exists: true }, 'envelope.data.until': { $gte: horizonSeconds } },
      { $unset: { publishedAt: 1 }, $set: { attempts: 0, nextAttemptAt: new Date(this.now()) }, $inc: { requeues: 1 } },
    );
    return result.modifiedCount;
  }

  async backlog(): Promise<{ count: number; oldestCreatedAt: Date | undefined }> {
    const pending = { publishedAt: { $exists: false } };
    const [count, oldest] = await Promise.all([
      this.models.Outbox.countDocuments(pending),
      this.models.Outbox.findOne(pending)
        .sort({ createdAt: 1 })
        .select({ createdAt: 1 })
        .lean<Pick<OutboxDoc, 'createdAt'>>(),
    ]);
    return { count, oldestCreatedAt: oldest?.createdAt };
  }

  async listKeys(): Promise<SigningKeyRecord[]> {
    const docs = await this.models.SigningKey.find().sort({ createdAt: 1 }).lean<SigningKeyDoc[]>();
    return docs.map(({ _id, ...fields }) => ({ kid: _id, ...fields }));
  }

  async saveKey(record: SigningKeyRecord): Promise<void> {
    const { kid, ...fields } = record;
    await this.models.SigningKey.replaceOne({ _id: kid }, fields, { upsert: true });
  }

  async ping(): Promise<void> {
    await this.connection.db!.admin().command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

function toUser(doc: UserDoc): UserRecord {
  return {
    id: doc._id.toHexString(),
    email: doc.email,
    passwordHash: doc.passwordHash,
    roles: [...doc.roles],
    banned: doc.banned,
    ...(doc.banReason !== undefined ? { banReason: doc.banReason } : {}),
    generation: doc.generation ?? 0,
    createdAt: doc.createdAt,
  };
}

function toSession(doc: SessionDoc): SessionRecord {
  const { _id, ...fields } = doc;
  const record: SessionRecord = { id: _id, ...fields };
  delete (record as { __v?: number }).__v;
  return record;
}

function toOutbox(doc: OutboxDoc): OutboxRecord {
  const { _id, ...fields } = doc;
  const record: OutboxRecord = { id: _id, ...fields, requeues: fields.requeues ?? 0 };
  delete (record as { __v?: number }).__v;
  return record;
}

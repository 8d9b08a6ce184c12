import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { NotFoundError, type JwtKey, type LiveKeyRing, type Logger } from '@authbus/common';
import type { KeysConfig } from '../config';
import type { AuthStore } from '../store/auth-store';
import type { SigningKeyRecord } from '../store/records';
import type { KeySetPublisher } from './key-set-publisher';
import { createSigningKey } from './signing-key';

/** A key's state as `GET /api/keys` shows it. */
export type KeyState = 'pending' | 'active' | 'published' | 'retiring' | 'retired' | 'withdrawn';

/** One row of `GET /api/keys`. */
export interface KeyView {
  kid: string;
  alg: string;
  state: KeyState;
  source: 'rotation' | 'environment';
  createdAt: string | null;
  activatesAt: string | null;
  deactivatedAt: string | null;
  retiresAt: string | null;
  withdrawnAt: string | null;
}

/** What the key manager needs. */
export interface KeyManagerOptions {
  ring: LiveKeyRing;
  store: Pick<AuthStore, 'listKeys' | 'saveKey'>;
  publisher: Pick<KeySetPublisher, 'publish'>;
  config: KeysConfig;
  /** A key that stopped signing is published this much longer: the access token lifetime plus the clock tolerance, ms. */
  retireAfterMs: number;
  logger: Logger;
  now?: () => number;
  /** How often pending activations and retirements are checked, ms; default 200. */
  tickMs?: number;
}

/**
 * The auth service's signing keys over their life: rotation (a new key pair, published at once,
 * signing after the publish-ahead delay), retirement (the old key stays published until every
 * token it signed has expired) and withdrawal (gone from every key ring at once, signing moves to
 * another key). Records live in the store, private keys sealed; what verifiers see is the key set
 * the publisher sends after every change.
 */
export class KeyManager {
  private readonly records = new Map<string, SigningKeyRecord>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  /** Serialises changes (rotate, withdraw, the tick): each reads and writes the records whole. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: KeyManagerOptions) {
    this.now = o.now ?? Date.now;
    // A withdrawal replayed from the stream (made before this process started) may take the signer.
    o.ring.onKeyRemoved(() => {
      if (o.ring.activeKid === undefined) void this.serial(() => this.ensureSigner());
    });
  }

  /** Load the stored keys into the ring, before the feed replays; then check activations and retirements. */
  async start(): Promise<void> {
    for (const record of await this.o.store.listKeys()) {
      this.records.set(record.kid, record);
      if (record.withdrawnAt) {
        this.o.ring.withdraw(record.kid);
        continue;
      }
      if (record.source !== 'rotation' || !record.sealedPrivateKey) continue;
      if (record.retiresAt && record.retiresAt.getTime() <= this.now()) continue;
      const key = this.unseal(record);
      if (key) this.o.ring.add(key);
    }
    const newest = this.signingCandidates().at(-1);
    if (newest && newest.kid !== this.o.ring.activeKid) this.o.ring.activate(newest.kid);
    await this.ensureSigner();
    this.timer = setInterval(() => void this.serial(() => this.tick()), this.o.tickMs ?? 200);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** `POST /api/keys/rotate`: a new key, published now, signing after the publish-ahead delay. */
  rotate(by: string): Promise<{ kid: string; activatesAt: string }> {
    return this.serial(async () => {
      const record = await this.newKey(this.now() + this.o.config.publishAheadMs);
      await this.o.publisher.publish();
      this.o.logger.info(
        { kid: record.kid, alg: record.alg, activatesAt: record.activatesAt, by },
        'key rotation started',
      );
      return { kid: record.kid, activatesAt: record.activatesAt!.toISOString() };
    });
  }

  /**
   * `DELETE /api/keys/:kid`: withdraw any key, configured ones included. Signing moves first (to the
   * newest other key that signs, or a new one signing at once), then the kid leaves this ring and
   * the key set telling every other ring is published. Idempotent; 404 for a kid never known.
   */
  withdraw(kid: string, by: string): Promise<{ kid: string; signingKid: string | undefined; published: boolean }> {
    return this.serial(async () => {
      const held = this.o.ring.key(kid);
      const record = this.records.get(kid);
      if (!held && !record) throw new NotFoundError('Unknown key id');
      if (record?.withdrawnAt) {
        return { kid, signingKid: this.o.ring.activeKid, published: true };
      }
      const withdrawn: SigningKeyRecord = {
        ...(record ?? { kid, alg: held!.alg, source: 'environment' as const, createdAt: new Date(this.now()) }),
        withdrawnAt: new Date(this.now()),
      };
      await this.o.store.saveKey(withdrawn);
      this.records.set(kid, withdrawn);
      if (this.o.ring.activeKid === kid) {
        const next = this.signingCandidates()
          .filter((k) => k.kid !== kid)
          .at(-1);
        if (next) this.o.ring.activate(next.kid);
        else await this.newKey(this.now());
      }
      this.o.ring.withdraw(kid);
      const published = await this.o.publisher.publish();
      this.o.logger.warn({ kid, by, signingKid: this.o.ring.activeKid, published }, 'key withdrawn');
      return { kid, signingKid: this.o.ring.activeKid, published };
    });
  }

  /** `GET /api/keys`: every key held or recorded, oldest first. */
  list(): KeyView[] {
    const kids = new Set([...this.o.ring.kids, ...this.records.keys()]);
    return [...kids].map((kid) => this.view(kid));
  }

  private view(kid: string): KeyView {
    const record = this.records.get(kid);
    const held = this.o.ring.key(kid);
    const now = this.now();
    const iso = (d: Date | undefined) => d?.toISOString() ?? null;
    let state: KeyState;
    if (record?.withdrawnAt) state = 'withdrawn';
    else if (!held) state = 'retired';
    else if (this.o.ring.activeKid === kid) state = 'active';
    else if (record?.activatesAt && record.activatesAt.getTime() > now && !record.deactivatedAt) state = 'pending';
    else if (record?.retiresAt) state = 'retiring';
    else state = 'published';
    return {
      kid,
      alg: held?.alg ?? record?.alg ?? 'ES256',
      state,
      source: record?.source ?? 'environment',
      createdAt: iso(record?.source === 'rotation' ? record.createdAt : undefined),
      activatesAt: iso(record?.activatesAt),
      deactivatedAt: iso(record?.deactivatedAt),
      retiresAt: iso(record?.retiresAt),
      withdrawnAt: iso(record?.withdrawnAt),
    };
  }

  /** Activate due keys (the newest due one signs; the one it replaces starts retiring), retire expired ones. */
  private async tick(): Promise<void> {
    const now = this.now();
    let changed = false;
    const due = this.signingCandidates().at(-1);
    const current = this.o.ring.activeKid;
    if (due && due.kid !== current) {
      this.o.ring.activate(due.kid);
      if (current !== undefined) await this.deactivate(current, now);
      this.o.logger.info({ kid: due.kid, previous: current }, 'signing with the rotated key');
    }
    for (const record of [...this.records.values()]) {
      if (record.withdrawnAt || !record.retiresAt || record.retiresAt.getTime() > now) continue;
      if (!this.o.ring.key(record.kid)) continue;
      this.o.ring.retire(record.kid);
      this.o.logger.info({ kid: record.kid }, 'key retired: every token it signed has expired');
      changed = true;
    }
    if (changed) await this.o.publisher.publish();
  }

  /** A key stopped signing: it stays published until every token it signed has expired. */
  private async deactivate(kid: string, now: number): Promise<void> {
    const held = this.o.ring.key(kid);
    const record: SigningKeyRecord = {
      ...(this.records.get(kid) ?? {
        kid,
        alg: held?.alg ?? 'HS256',
        source: 'environment' as const,
        createdAt: new Date(now),
      }),
      deactivatedAt: new Date(now),
      retiresAt: new Date(now + this.o.retireAfterMs),
    };
    await this.o.store.saveKey(record);
    this.records.set(kid, record);
  }

  /** Keys that may sign now (held with their private key, due, not withdrawn), by activation time. */
  private signingCandidates(): JwtKey[] {
    const now = this.now();
    return [...this.records.values()]
      .filter(
        (r) =>
          r.source === 'rotation' &&
          !r.withdrawnAt &&
          !r.deactivatedAt &&
          r.activatesAt &&
          r.activatesAt.getTime() <= now,
      )
      .sort((a, b) => a.activatesAt!.getTime() - b.activatesAt!.getTime())
      .map((r) => this.o.ring.key(r.kid))
      .filter((k): k is JwtKey => k?.signKey !== undefined);
  }

  /** Without a signer (every key withdrawn), make a key that signs at once. */
  private async ensureSigner(): Promise<void> {
    if (this.o.ring.activeKid !== undefined) return;
    const next = this.signingCandidates().at(-1);
    if (next) this.o.ring.activate(next.kid);
    else await this.newKey(this.now());
    await this.o.publisher.publish();
  }

  /** Generate, store (sealed) and add a key; it signs at once when `activatesAt` is now. */
  private async newKey(activatesAt: number): Promise<SigningKeyRecord> {
    const kid = `${new Date(this.now()).toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
    const privateKey = generate(this.o.config.algorithm);
    const record: SigningKeyRecord = {
      kid,
      alg: this.o.config.algorithm,
      source: 'rotation',
      createdAt: new Date(this.now()),
      activatesAt: new Date(activatesAt),
      ...(this.o.config.sealer ? { sealedPrivateKey: this.o.config.sealer.seal(kid, privateKey) } : {}),
    };
    if (!this.o.config.sealer) {
      this.o.logger.warn(
        { kid },
        'KEYS_ENCRYPTION_KEY is not set: this key is kept in memory only and is lost on restart',
      );
    }
    await this.o.store.saveKey(record);
    this.records.set(kid, record);
    this.o.ring.add(createSigningKey(kid, privateKey));
    if (activatesAt <= this.now()) {
      const previous = this.o.ring.activeKid;
      this.o.ring.activate(kid);
      if (previous !== undefined && previous !== kid) await this.deactivate(previous, this.now());
    }
    return record;
  }

  private unseal(record: SigningKeyRecord): JwtKey | undefined {
    const sealer = this.o.config.sealer;
    if (!sealer) {
      this.o.logger.error({ kid: record.kid }, 'a stored key cannot be opened: KEYS_ENCRYPTION_KEY is not set');
      return undefined;
    }
    try {
      const der = sealer.open(record.kid, record.sealedPrivateKey!);
      return createSigningKey(record.kid, createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
    } catch (err) {
      this.o.logger.error(
        { kid: record.kid, err: (err as Error).message },
        'a stored key cannot be opened (another KEYS_ENCRYPTION_KEY?)',
      );
      return undefined;
    }
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch((err: unknown) => this.o.logger.error({ err: String(err) }, 'key change failed'));
    return run;
  }
}

function generate(algorithm: 'ES256' | 'RS256'): KeyObject {
  return algorithm === 'ES256'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
    : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

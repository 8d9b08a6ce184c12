import express from 'express';
import fc from 'fast-check';
import type { NatsConnection } from 'nats';
import request from 'supertest';
import {
  createAuthKit,
  EventInvalidError,
  parseEvent,
  RevocationFeed,
  RevocationSet,
  Subjects,
  type AuthKit,
} from '@authbus/common';
import {
  testKeyRing,
  testSessionCookie,
  waitFor,
  tokenOfCookie,
  startAuthBus,
  type AuthBus,
} from '@authbus/common/testing';
import { recordReliability } from '@authbus/test-support';

/** Strings an attacker controls in a cookie or an Authorization header, biased towards near-misses. */
function hostileHeaders(validToken: string) {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const tokenish = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.base64String(),
    fc.constantFrom(
      validToken.slice(0, -1),
      `${validToken}A`,
      validToken.replace(/\./g, '..'),
      validToken.split('.').reverse().join('.'),
    ),
    fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map(([a, b, c]) => `${a}.${b}.${c}`),
    fc.json().map((j) => `${Buffer.from(j).toString('base64url')}.${Buffer.from(j).toString('base64url')}.x`),
  );
  const cookie = fc.oneof(
    tokenish.map((t) => `session=${b64(JSON.stringify({ jwt: t }))}`),
    fc.json().map((j) => `session=${b64(j)}`),
    fc.string().map((s) => `session=${s}`),
    fc.string({ unit: 'binary' }).map((s) => `session=${encodeURIComponent(s)}`),
    fc.string().map((s) => `a=1; session=${b64(s)}; b=2`),
  );
  return fc.record({
    cookie: fc.option(cookie, { nil: undefined }),
    authorization: fc.option(
      fc.oneof(
        tokenish.map((t) => `Bearer ${t}`),
        fc.string(),
      ),
      { nil: undefined },
    ),
  });
}

describe('attacks: fuzzing the cookie → token → claims path and the event validator', () => {
  let bus: AuthBus;
  let nc: NatsConnection;
  let kit: AuthKit;
  const keyRing = testKeyRing();

  beforeAll(async () => {
    bus = await startAuthBus({ maxAgeMs: 3600_000 });
    ({ nc } = bus);
    kit = createAuthKit({ keyRing, nats: nc });
    await kit.whenReady();
  });

  afterAll(async () => {
    await kit.close();
    await bus.stop();
  });

  it('arbitrary cookies and Authorization headers never crash, never 500, never yield an identity', async () => {
    const app = express();
    app.use(kit.currentUser);
    app.get('/me', kit.requireAuth, (req, res) => {
      res.json({ sub: req.currentUser!.sub });
    });
    app.use(kit.errorHandler);
    const { claims } = testSessionCookie({}, keyRing);
    const valid = testSessionCookie({ sub: claims.sub }, keyRing).cookie;
    const validToken = tokenOfCookie(valid);

    // In process, many runs: the middleware itself, request objects built by hand.
    let runs = 0;
    fc.assert(
      fc.property(hostileHeaders(validToken), (headers) => {
        runs++;
        const req = {
          headers: Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)),
        } as unknown as express.Request;
        let nextCalled = 0;
        kit.currentUser(req, {} as express.Response, () => nextCalled++);
        return nextCalled === 1 && req.currentUser === null;
      }),
      { numRuns: 5000 },
    );

    // Over HTTP, fewer runs: what a client sees.
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(hostileHeaders(validToken), async (headers) => {
        let r = request(app).get('/me');
        for (const [k, v] of Object.entries(headers)) {
          if (v === undefined) continue;
          // Header values must be latin-1 without control characters on the wire.
          if (!/^[\x20-\x7e\x80-\xff]*$/.test(v)) return true;
          r = r.set(k, v);
        }
        const res = await r;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        return res.status === 401 && Array.isArray(res.body.errors);
      }),
      { numRuns: 400 },
    );
    expect(await request(app).get('/me').set('Cookie', valid).expect(200)).toBeTruthy();

    recordFuzz(runs, statuses);
  });

  it('arbitrary event payloads are refused with EventInvalidError only, and anything accepted has a sound shape', () => {
    const subjects = fc.constantFrom(...Object.values(Subjects), 'auth.other', '');
    const shaped = fc.record({
      id: fc.oneof(fc.uuid(), fc.string()),
      subject: subjects,
      version: fc.oneof(fc.constant(1), fc.integer()),
      occurredAt: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.string(),
      ),
      data: fc.oneof(
        fc.record(
          {
            sid: fc.string(),
            sub: fc.string(),
            reason: fc.string(),
            revokedAt: fc.string(),
            until: fc.oneof(fc.integer(), fc.double(), fc.string()),
          },
          { requiredKeys: [] },
        ),
        fc.record(
          { sub: fc.string(), reason: fc.string(), revokedBefore: fc.integer(), until: fc.integer() },
          { requiredKeys: [] },
        ),
        fc.anything(),
      ),
    });
    // Well-formed envelopes for a subject, so the "accepted" side is exercised too.
    const seconds = fc.integer({ min: 0, max: 4_000_000_000 });
    const text = fc.string({ minLength: 1, maxLength: 40 });
    const dataFor = (subject: string) => {
      switch (subject) {
        case Subjects.SessionRevoked:
          return fc.record({
            sid: text,
            sub: text,
            reason: text,
            revokedAt: fc
              .date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) })
              .map((d) => d.toISOString()),
            until: seconds,
          });
        case Subjects.UserBanned:
        case Subjects.UserSessionsRevoked:
          return fc.record({
            sub: text,
            reason: text,
            belowGeneration: fc.nat(),
            until: seconds,
            revokedBefore: fc.option(seconds, { nil: undefined }),
          });
        case Subjects.UserUnbanned:
          return fc.record({ sub: text });
        case Subjects.ServiceRevoked:
          return fc.record({
            service: text,
            credential: text,
            reason: text,
            revokedAt: fc
              .date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) })
              .map((d) => d.toISOString()),
            until: seconds,
          });
        default:
          return fc.record({ sub: text, email: text, roles: fc.array(text, { maxLength: 3 }) });
      }
    };
    const valid = (subject: string) =>
      fc.record({
        id: fc.uuid(),
        subject: fc.constant(subject),
        version: fc.constant(1),
        occurredAt: fc.constant(new Date().toISOString()),
        data: dataFor(subject),
      });
    const payload = (subject: string) =>
      fc.oneof(
        fc.uint8Array({ maxLength: 400 }),
        fc.oneof(fc.anything(), shaped),
        valid(subject),
        // One field broken in an otherwise valid envelope.
        fc
          .tuple(valid(subject), fc.constantFrom('id', 'version', 'occurredAt', 'subject', 'data'), fc.anything())
          .map(([e, k, v]) => ({ ...e, [k]: v })),
      );
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        subjects.chain((subject) => fc.tuple(fc.constant(subject), payload(subject))),
        ([subject, value]) => {
          const bytes = value instanceof Uint8Array ? value : new TextEncoder().encode(JSON.stringify(value) ?? 'null');
          try {
            const e = parseEvent(subject, bytes);
            accepted++;
            if (e.subject !== subject || e.version !== 1 || typeof e.id !== 'string') return false;
            if ('until' in e.data && !Number.isSafeInteger(e.data.until)) return false;
            if ('revokedBefore' in e.data && !Number.isSafeInteger(e.data.revokedBefore)) return false;
            if ('belowGeneration' in e.data && !Number.isSafeInteger(e.data.belowGeneration)) return false;
            // Exactly the declared fields: nothing a writer added passes through.
            const declared: Record<string, readonly string[]> = {
              [Subjects.SessionRevoked]: ['sid', 'sub', 'reason', 'revokedAt', 'until'],
              [Subjects.UserBanned]: ['sub', 'reason', 'belowGeneration', 'until', 'revokedBefore'],
              [Subjects.UserSessionsRevoked]: ['sub', 'reason', 'belowGeneration', 'until', 'revokedBefore'],
              [Subjects.UserUnbanned]: ['sub'],
              [Subjects.UserCreated]: ['sub', 'email', 'roles'],
              [Subjects.ServiceRevoked]: ['service', 'credential', 'reason', 'revokedAt', 'until'],
            };
            if (Object.keys(e.data).some((k) => !declared[subject]!.includes(k))) return false;
            return true;
          } catch (err) {
            refused++;
            return err instanceof EventInvalidError;
          }
        },
      ),
      { numRuns: 5000 },
    );
    expect(accepted).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(0);
    fuzzEvents.offline = { accepted, refused };
  });

  it('a feed fed arbitrary messages on auth.* keeps running, counts them, and still applies the next real revocation', async () => {
    const set = new RevocationSet();
    const feed = new RevocationFeed({ nc, set, syncIntervalMs: 100 });
    feed.start();
    await feed.whenCaughtUp();
    const js = nc.jetstream();
    const payloads = fc.sample(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        fc.json().map((j) => new TextEncoder().encode(j)),
      ),
      300,
    );
    const subjects = Object.values(Subjects);
    for (let i = 0; i < payloads.length; i++) await js.publish(subjects[i % subjects.length]!, payloads[i]);
    const { claims } = testSessionCookie({}, keyRing);
    await js.publish(
      Subjects.SessionRevoked,
      JSON.stringify({
        id: crypto.randomUUID(),
        subject: Subjects.SessionRevoked,
        version: 1,
        occurredAt: new Date().toISOString(),
        data: {
          sid: claims.sid,
          sub: claims.sub,
          reason: 'signout',
          revokedAt: new Date().toISOString(),
          until: claims.exp,
        },
      }),
    );
    await waitFor(() => set.isRevoked(claims), { description: 'the real revocation after the garbage' });
    await waitFor(() => feed.stats.appliedSeq === payloads.length + 1);
    const invalid = feed.stats.invalid;
    await feed.close();
    expect(invalid).toBeGreaterThanOrEqual(payloads.length);
    recordReliability({
      kind: 'attack',
      scenario: 'Fuzzed events',
      done: `fast-check: 5,000 arbitrary payloads (bytes, JSON, near-valid envelopes) through parseEvent; 300 published on auth.* to a running feed`,
      checked:
        'refusals are EventInvalidError only; every accepted event has the declared shape; the feed counts the garbage, keeps running and applies the next real revocation',
      figures: `offline: ${fuzzEvents.offline.refused} refused, ${fuzzEvents.offline.accepted} accepted (each checked for a sound shape); live: ${invalid} counted invalid (live and stream paths), 0 crashes`,
    });
  });
});

const fuzzEvents = { offline: { accepted: 0, refused: 0 } };

function recordFuzz(runs: number, statuses: Map<number, number>): void {
  recordReliability({
    kind: 'attack',
    scenario: 'Fuzzed cookies and tokens',
    done: `fast-check: ${runs.toLocaleString('en')} arbitrary session cookies and Authorization headers (random bytes, JSON, base64, near-miss tokens) through the kit's middleware, 400 over HTTP`,
    checked:
      'never a throw, a 500 or an accepted identity; protected route always 401 with the error shape; a valid cookie still 200',
    figures: `HTTP statuses: ${[...statuses].map(([s, n]) => `${s} ×${n}`).join(', ')}`,
  });
}

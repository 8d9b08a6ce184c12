import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import request from 'supertest';
import { waitFor, claimsOfCookie } from '@authbus/common/testing';
import { recordReliability } from '@authbus/test-support';
import { ADMIN_EMAIL, startTestAuth, type TestAuth } from '../support/test-auth';

const ISSUER = 'https://auth.example.com';
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';

/** A Shared Signals receiver (RFC 8935 push endpoint) that verifies every SET and keeps each `jti` once. */
class TestReceiver {
  readonly received = new Map<string, Record<string, unknown>>();
  deliveries = 0;
  accepted = 0;
  failedWhileDown = 0;
  refused: string[] = [];
  down = false;
  private server: Server | undefined;
  url = '';

  constructor(
    readonly audience: string,
    private readonly key: () => KeyObject,
    private readonly authorization?: string,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (this.authorization !== undefined && req.headers.authorization !== this.authorization) {
          this.refused.push(`authorization ${req.headers.authorization}`);
          return void res.writeHead(401).end();
        }
        void this.handle(req.headers['content-type'], body, res);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/events`;
  }

  private async handle(contentType: string | undefined, body: string, res: ServerResponse): Promise<void> {
    this.deliveries++;
    if (this.down) {
      this.failedWhileDown++;
      return void res.writeHead(503).end();
    }
    try {
      if (contentType !== 'application/secevent+jwt') throw new Error(`content-type ${contentType}`);
      const { payload } = await jwtVerify(body, this.key(), {
        issuer: ISSUER,
        audience: this.audience,
        typ: 'secevent+jwt',
        algorithms: ['ES256'],
      });
      if (typeof payload.jti !== 'string') throw new Error('no jti');
      if (Object.keys(payload.events as object).length !== 1) throw new Error('one event per SET');
      // A repeat (same jti) is acknowledged and dropped: the receiver has it already.
      if (!this.received.has(payload.jti)) this.received.set(payload.jti, payload);
      this.accepted++;
      res.writeHead(202).end();
    } catch (err) {
      this.refused.push(String(err));
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ err: 'invalid_request' }));
    }
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }
}

describe('revocations out as Security Event Tokens (CAEP over RFC 8935 push)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const up = new TestReceiver('https://crm.example.com', () => publicKey);
  const later = new TestReceiver('https://audit.example.com', () => publicKey, 'Bearer s3cret');
  let auth: TestAuth;

  beforeAll(async () => {
    await Promise.all([up.start(), later.start()]);
    later.down = true;
    auth = await startTestAuth({
      env: {
        JWT_KEY: '',
        JWT_PRIVATE_KEY: String(privateKey.export({ type: 'pkcs8', format: 'pem' })),
        JWT_ACTIVE_KID: 'auth-es-1',
        SSF_ISSUER: ISSUER,
        SSF_JWKS_URI: `${ISSUER}/.well-known/jwks.json`,
        SSF_RECEIVERS: JSON.stringify([
          { name: 'crm', endpoint: up.url, audience: up.audience },
          { name: 'audit', endpoint: later.url, audience: later.audience, authorization: 'Bearer s3cret' },
        ]),
        SSF_MAX_RETRY_DELAY: '1s',
      },
    });
  }, 30_000);

  afterAll(async () => {
    await auth?.stop();
    await Promise.all([up.stop(), later.stop()]);
  });

  it('serves the transmitter metadata at /.well-known/ssf-configuration', async () => {
    const res = await request(auth.service.app).get('/.well-known/ssf-configuration').expect(200);
    expect(res.body).toEqual({
      spec_version: '1_0',
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      delivery_methods_supported: ['urn:ietf:rfc:8935'],
      default_subjects: 'ALL',
    });
  });

  it('pushes a sign-out, a sign-out everywhere and a ban as signed SETs; a receiver that was down gets each once', async () => {
    const out = await auth.signup('set-out@example.com');
    const all = await auth.signup('set-all@example.com');
    const banned = await auth.signup('set-ban@example.com');
    const admin = await auth.signup(ADMIN_EMAIL);
    const sid = claimsOfCookie(out.cookie).sid;
    await request(auth.service.app).post('/api/users/signout').set('Cookie', out.cookie).expect(200);
    await request(auth.service.app).post('/api/users/signout-all').set('Cookie', all.cookie).expect(200);
    await request(auth.service.app)
      .post(`/api/users/${banned.id}/ban`)
      .set('Cookie', admin.cookie)
      .send({})
      .expect(200);
    const ids = (await auth.events())
      .filter((e) => ['auth.session.revoked', 'auth.user.sessions-revoked', 'auth.user.banned'].includes(e.subject))
      .map((e) => e.id);
    expect(ids).toHaveLength(3);

    await waitFor(() => up.received.size === 3, { description: 'three SETs at the receiver that is up' });
    expect(up.refused).toEqual([]);
    expect([...up.received.keys()].sort()).toEqual([...ids].sort());
    const byEvent = (uri: string) => [...up.received.values()].filter((p) => uri in (p.events as object));
    expect(byEvent(SESSION_REVOKED)).toEqual([
      expect.objectContaining({
        iss: ISSUER,
        aud: up.audience,
        sub_id: { format: 'complex', session: { format: 'opaque', id: sid }, user: { format: 'opaque', id: out.id } },
        events: {
          [SESSION_REVOKED]: expect.objectContaining({ initiating_entity: 'user', reason_admin: { en: 'signout' } }),
        },
      }),
    ]);
    const changes = byEvent(CREDENTIAL_CHANGE);
    expect(changes).toHaveLength(2);
    expect(changes.find((p) => (p.sub_id as { id: string }).id === all.id)?.events).toEqual({
      [CREDENTIAL_CHANGE]: expect.objectContaining({
        credential_type: 'authbus-access-token',
        change_type: 'revoke',
        initiating_entity: 'user',
      }),
    });
    expect(changes.find((p) => (p.sub_id as { id: string }).id === banned.id)?.events).toEqual({
      [CREDENTIAL_CHANGE]: expect.objectContaining({ change_type: 'revoke', initiating_entity: 'admin' }),
    });

    const downSince = Date.now();
    // The other receiver has been refusing; once it answers again it gets all three, once each.
    await waitFor(() => later.failedWhileDown >= 6, { description: 'retries while the receiver is down' });
    expect(later.received.size).toBe(0);
    const downFor = Date.now() - downSince;
    later.down = false;
    const upAt = Date.now();
    await waitFor(() => later.received.size === 3, { timeoutMs: 15_000, description: 'the three SETs after recovery' });
    expect([...later.received.keys()].sort()).toEqual([...ids].sort());
    expect(later.refused).toEqual([]);
    const caughtUpMs = Date.now() - upAt;
    for (const payload of later.received.values()) expect(payload.aud).toBe(later.audience);

    recordReliability({
      kind: 'fault',
      scenario: 'SET receiver down',
      done: 'two SSF receivers configured; one answers 503 to every push while a sign-out, a sign-out everywhere and a ban are made, then answers 202 again',
      checked:
        'the receiver that is up gets three SETs (session-revoked, two credential-change) that verify with auth’s public key (ES256, typ secevent+jwt, iss, aud, jti = the event id, one event each); the one that was down is retried and then gets the same three, once each by jti, nothing refused',
      figures: `pushes refused while down: ${later.failedWhileDown} over ${downFor} ms; all three delivered ${caughtUpMs} ms after it answered again (SSF_MAX_RETRY_DELAY=1s); SETs lost: 0; pushes answered 202: ${later.accepted} for ${later.received.size} distinct jti`,
    });
  });
});

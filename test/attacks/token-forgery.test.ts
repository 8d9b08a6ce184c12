import { createHmac, generateKeyPairSync, sign as signWith } from 'node:crypto';
import express from 'express';
import jwt from 'jsonwebtoken';
import type { NatsConnection } from 'nats';
import request from 'supertest';
import { createAuthKit, createKeyRing, type AuthKit } from '@authbus/common';
import { encodeSessionCookieValue, signAccessToken } from '@authbus/common/issuer';
import { startAuthBus, type AuthBus } from '@authbus/common/testing';
import { recordReliability } from '@authbus/test-support';

const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
const es = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rs = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signer = createKeyRing({ keys: [{ kid: 'es-1', privateKey: es.privateKey }], activeKid: 'es-1' });
// The service holds only public keys, as tickets does in production.
const verifier = createKeyRing({
  keys: [
    { kid: 'es-1', publicKey: es.publicKey },
    { kid: 'rs-1', publicKey: rs.publicKey },
  ],
});
const subject = { sub: '6b04a94a044b283e2cbe76be', email: 'victim@example.com', roles: ['user'], sid: 'sid-1', gen: 0 };
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: object = {}) => ({
  ...subject,
  jti: 'j1',
  iat: now(),
  exp: now() + 600,
  iss: 'authbus',
  aud: 'authbus',
  ...extra,
});
const hmac = (input: string, key: string | Buffer) =>
  `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;

/** Every forgery here must get 401 from a service holding only the public keys. */
const forgeries: Array<[string, () => string, string]> = [
  ['alg none with a known kid', () => `${b64({ alg: 'none', kid: 'es-1' })}.${b64(claims())}.`, 'ERR_KEY_UNKNOWN'],
  ['alg none without a kid', () => `${b64({ alg: 'none' })}.${b64(claims())}.`, 'ERR_KEY_UNKNOWN'],
  [
    'HS256 signed with the ES256 public key (algorithm confusion)',
    () =>
      hmac(
        `${b64({ alg: 'HS256', kid: 'es-1' })}.${b64(claims())}`,
        es.publicKey.export({ type: 'spki', format: 'pem' }),
      ),
    'ERR_KEY_UNKNOWN',
  ],
  [
    'HS256 signed with the RS256 public key, no kid',
    () => hmac(`${b64({ alg: 'HS256' })}.${b64(claims())}`, rs.publicKey.export({ type: 'spki', format: 'pem' })),
    'ERR_KEY_UNKNOWN',
  ],
  ['an unknown kid', () => jwt.sign(claims(), es.privateKey, { algorithm: 'ES256', keyid: 'es-2' }), 'ERR_KEY_UNKNOWN'],
  [
    'a path-like kid',
    () => jwt.sign(claims(), es.privateKey, { algorithm: 'ES256', keyid: '../../../../etc/passwd' }),
    'ERR_KEY_UNKNOWN',
  ],
  [
    'a kid of another algorithm (RS key id, ES signature)',
    () => jwt.sign(claims(), es.privateKey, { algorithm: 'ES256', keyid: 'rs-1' }),
    'ERR_KEY_UNKNOWN',
  ],
  [
    'a wrong issuer',
    () => jwt.sign(claims({ iss: 'evil' }), es.privateKey, { algorithm: 'ES256', keyid: 'es-1' }),
    'ERR_TOKEN_INVALID',
  ],
  [
    'a wrong audience',
    () => jwt.sign(claims({ aud: 'billing' }), es.privateKey, { algorithm: 'ES256', keyid: 'es-1' }),
    'ERR_TOKEN_INVALID',
  ],
  [
    'expired beyond the clock tolerance',
    () => jwt.sign(claims({ iat: now() - 1000, exp: now() - 6 }), es.privateKey, { algorithm: 'ES256', keyid: 'es-1' }),
    'ERR_TOKEN_EXPIRED',
  ],
  [
    'not valid yet beyond the clock tolerance',
    () => jwt.sign(claims({ nbf: now() + 60 }), es.privateKey, { algorithm: 'ES256', keyid: 'es-1' }),
    'ERR_TOKEN_NOT_YET_VALID',
  ],
  [
    'tampered claims (roles escalated to admin)',
    () => {
      const [h, , s] = signAccessToken(subject, signer).token.split('.');
      return `${h}.${b64(claims({ roles: ['user', 'admin'] }))}.${s}`;
    },
    'ERR_TOKEN_INVALID',
  ],
  [
    "another environment's key under the same kid",
    () =>
      signAccessToken(
        subject,
        createKeyRing({
          keys: [{ kid: 'es-1', privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }],
          activeKid: 'es-1',
        }),
      ).token,
    'ERR_TOKEN_INVALID',
  ],
  [
    'a DER instead of a JOSE ES256 signature',
    () => {
      const input = `${b64({ alg: 'ES256', kid: 'es-1' })}.${b64(claims())}`;
      const der = signWith('sha256', Buffer.from(input), es.privateKey);
      return `${input}.${der.toString('base64url')}`;
    },
    'ERR_TOKEN_INVALID',
  ],
  [
    'critical header extensions',
    () => {
      const input = `${b64({ alg: 'ES256', kid: 'es-1', crit: ['exp'] })}.${b64(claims())}`;
      const sig = signWith('sha256', Buffer.from(input), { key: es.privateKey, dsaEncoding: 'ieee-p1363' });
      return `${input}.${sig.toString('base64url')}`;
    },
    'ERR_TOKEN_INVALID',
  ],
];

describe('attacks: forged tokens', () => {
  let bus: AuthBus;
  let nc: NatsConnection;
  let kit: AuthKit;
  let app: express.Express;

  beforeAll(async () => {
    bus = await startAuthBus({ maxAgeMs: 3600_000 });
    ({ nc } = bus);
    kit = createAuthKit({ keyRing: verifier, nats: nc });
    await kit.whenReady();
    app = express();
    app.use(kit.currentUser);
    app.get('/admin', kit.requireAuth, kit.requireRole('admin'), (_req, res) => {
      res.json({ ok: true });
    });
    app.get('/me', kit.requireAuth, (req, res) => {
      res.json({ sub: req.currentUser!.sub });
    });
    app.use(kit.errorHandler);
  });

  afterAll(async () => {
    await kit.close();
    await bus.stop();
  });

  /** What the service answered each forgery, as cookie and as Bearer. */
  const answers: Array<{ name: string; status: number; code: string }> = [];

  it.each(forgeries)('refuses %s (401)', async (name, forge, code) => {
    const token = forge();
    for (const res of [
      await request(app)
        .get('/me')
        .set('Cookie', `session=${encodeSessionCookieValue(token)}`),
      await request(app).get('/me').set('Authorization', `Bearer ${token}`),
    ]) {
      answers.push({ name, status: res.status, code: res.body.errors?.[0]?.code });
      expect(res.status).toBe(401);
      expect(res.body.errors[0].code).toBe(code);
    }
  });

  it('accepts a genuine token, and its roles stay what was signed; records what every forgery got', async () => {
    const { token } = signAccessToken(subject, signer);
    await request(app).get('/me').set('Authorization', `Bearer ${token}`).expect(200, { sub: subject.sub });
    const admin = await request(app).get('/admin').set('Authorization', `Bearer ${token}`);
    expect(admin.status).toBe(403);
    expect(answers).toHaveLength(forgeries.length * 2);
    const accepted = answers.filter((a) => a.status !== 401).length;
    expect(accepted).toBe(0);
    recordReliability({
      kind: 'attack',
      scenario: 'Token forgery',
      done: `${forgeries.length} forgeries against a service holding only ES256/RS256 public keys, as cookie and as Bearer`,
      checked: forgeries.map(([name]) => name).join('; '),
      figures: `accepted: ${accepted} of ${answers.length} (${[...new Set(answers.map((a) => a.code))].join(', ')}); a genuine token accepted, /admin with it ${admin.status}`,
    });
  });

  it('accepts a token expired within the clock tolerance (5 s), as configured', async () => {
    const token = jwt.sign(claims({ iat: now() - 600, exp: now() - 2 }), es.privateKey, {
      algorithm: 'ES256',
      keyid: 'es-1',
    });
    await request(app).get('/me').set('Authorization', `Bearer ${token}`).expect(200);
  });
});

import express from 'express';
import request from 'supertest';
import { createAuthKit, type AuthKit } from '@authbus/common';
import { startAuthBus, testKeyRing, testSessionCookie, type AuthBus } from '@authbus/common/testing';

const keyRing = testKeyRing();

describe('the fields kit.currentUser sets on a request', () => {
  let bus: AuthBus;
  let kit: AuthKit;

  beforeAll(async () => {
    bus = await startAuthBus();
    kit = createAuthKit({ keyRing, nats: { servers: bus.url } });
    await kit.whenReady();
  });

  afterAll(async () => {
    await kit.close();
    await bus.stop();
  });

  it('are read through accessors the request inherits, so the request gains no own property', async () => {
    const app = express();
    app.get('/me', kit.currentUser, (req, res) => {
      res.json({
        sub: req.currentUser?.sub ?? null,
        kind: req.caller?.kind ?? null,
        own: ['currentUser', 'caller', 'authError'].filter((f) => Object.prototype.hasOwnProperty.call(req, f)),
      });
    });
    const { cookie } = testSessionCookie({ sub: 'slot-user' }, keyRing);
    await request(app).get('/me').set('Cookie', cookie).expect(200, { sub: 'slot-user', kind: 'user', own: [] });
    await request(app).get('/me').expect(200, { sub: null, kind: null, own: [] });
  });

  it('belong to each request: concurrent requests of different users each see their own', async () => {
    const app = express();
    const gate: Array<() => void> = [];
    app.get('/me', kit.requireAuth, (req, res) => {
      // Hold every request until all are in, then answer each with what it carries.
      gate.push(() => res.json({ sub: req.currentUser!.sub }));
      if (gate.length === 5) for (const release of gate.splice(0)) release();
    });
    app.use(kit.errorHandler);
    const subs = ['u1', 'u2', 'u3', 'u4', 'u5'];
    const answers = await Promise.all(
      subs.map((sub) => request(app).get('/me').set('Cookie', testSessionCookie({ sub }, keyRing).cookie)),
    );
    expect(answers.map((a) => a.body.sub)).toEqual(subs);
  });

  it('can still be assigned by other code, and are undefined where nothing set them yet', async () => {
    const app = express();
    app.get(
      '/stub',
      (req, _res, next) => {
        const before = req.currentUser;
        req.currentUser = null;
        next(before === undefined ? undefined : new Error('set before any middleware'));
      },
      kit.requireAuth,
      (_req, res) => {
        res.json({ reached: true });
      },
    );
    app.use(kit.errorHandler);
    // currentUser was set (to null), so requireAuth does not authenticate again: 401.
    const res = await request(app).get('/stub').set('Cookie', testSessionCookie({}, keyRing).cookie).expect(401);
    expect(res.body.errors[0].code).toBe('ERR_NOT_AUTHENTICATED');
  });
});

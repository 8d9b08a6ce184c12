import request from 'supertest';
import { readSessionToken, verifyAccessToken, type AnyEventEnvelope } from '@authbus/common';
import { TEST_JWT_SECRET, testKeyRing, claimsOfCookie } from '@authbus/common/testing';
import { ADMIN_EMAIL, PASSWORD, startTestAuth, type TestAuth } from '../support/test-auth';

describe('sign-up and sign-in', () => {
  let auth: TestAuth;

  beforeAll(async () => {
    auth = await startTestAuth({ env: { SIGNIN_LIMIT_PER_ACCOUNT: '5', SIGNIN_LIMIT_PER_IP: '1000' } });
  });

  afterAll(async () => {
    await auth.stop();
  });

  it('signs up: 201 with the user, an httpOnly sameSite=lax cookie holding a verifiable token, and auth.user.created', async () => {
    const res = await request(auth.service.app)
      .post('/api/users/signup')
      .send({ email: 'Ada@Example.com ', password: PASSWORD })
      .expect(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      email: 'ada@example.com',
      roles: ['user'],
    });
    const setCookie = (res.headers['set-cookie'] as unknown as string[])[0]!;
    expect(setCookie).toMatch(/^session=/);
    expect(setCookie).toMatch(/httponly/i);
    expect(setCookie).toMatch(/samesite=lax/i);
    const claims = verifyAccessToken(
      readSessionToken(setCookie.split(';')[0])!,
      testKeyRing(TEST_JWT_SECRET, 'default'),
      { now: auth.clock.now },
    );
    expect(claims).toMatchObject({
      sub: res.body.id,
      email: 'ada@example.com',
      roles: ['user'],
      iss: 'authbus',
      aud: 'authbus',
    });
    expect(claims.exp - claims.iat).toBe(15 * 60);
    const event = await auth.waitForEvent(
      (e) => e.subject === 'auth.user.created' && e.data.sub === res.body.id,
      'auth.user.created',
    );
    expect(event.data).toEqual({ sub: res.body.id, email: 'ada@example.com', roles: ['user'] });
  });

  it('gives role admin to emails in ADMIN_EMAILS', async () => {
    const res = await request(auth.service.app)
      .post('/api/users/signup')
      .send({ email: ADMIN_EMAIL, password: PASSWORD })
      .expect(201);
    expect(res.body.roles).toEqual(['user', 'admin']);
  });

  it.each([
    [{ email: 'not-an-email', password: PASSWORD }, 'email'],
    [{ email: 'short@example.com', password: 'short' }, 'password'],
    [{ email: 'long@example.com', password: 'x'.repeat(129) }, 'password'],
    [{ email: ['a@b.co'], password: PASSWORD }, 'email'],
    [{ password: PASSWORD }, 'email'],
    [{ email: 'nopass@example.com' }, 'password'],
  ])('refuses %j with 400 naming the field', async (body, field) => {
    const res = await request(auth.service.app).post('/api/users/signup').send(body).expect(400);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field, code: 'ERR_VALIDATION' })]),
    );
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a taken email with 400', async () => {
    await auth.signup('taken@example.com');
    const res = await request(auth.service.app)
      .post('/api/users/signup')
      .send({ email: 'taken@example.com', password: PASSWORD })
      .expect(400);
    expect(res.body.errors).toEqual([{ message: 'Email in use', field: 'email', code: 'ERR_VALIDATION' }]);
  });

  it('signs in: 200 with the user and a new session', async () => {
    const { id, cookie: first } = await auth.signup('in@example.com');
    const res = await request(auth.service.app)
      .post('/api/users/signin')
      .send({ email: 'IN@example.com', password: PASSWORD })
      .expect(200);
    expect(res.body).toEqual({ id, email: 'in@example.com', roles: ['user'] });
    const second = (res.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
    const sid = (cookie: string) => claimsOfCookie(cookie).sid;
    expect(sid(second)).not.toBe(sid(first));
  });

  it('answers Invalid credentials for a wrong password and an unknown email alike', async () => {
    await auth.signup('pw@example.com');
    const wrong = await request(auth.service.app)
      .post('/api/users/signin')
      .send({ email: 'pw@example.com', password: 'wrong password' })
      .expect(400);
    const unknown = await request(auth.service.app)
      .post('/api/users/signin')
      .send({ email: 'nobody@example.com', password: PASSWORD })
      .expect(400);
    expect(wrong.body).toEqual({ errors: [{ message: 'Invalid credentials', code: 'ERR_INVALID_CREDENTIALS' }] });
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('limits sign-in attempts per account: 429 with Retry-After', async () => {
    await auth.signup('target@example.com');
    for (let i = 0; i < 5; i++) {
      await request(auth.service.app)
        .post('/api/users/signin')
        .send({ email: 'target@example.com', password: `guess ${i}!` })
        .expect(400);
    }
    const limited = await request(auth.service.app)
      .post('/api/users/signin')
      .send({ email: 'target@example.com', password: PASSWORD })
      .expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body.errors[0].code).toBe('ERR_RATE_LIMITED');
    await request(auth.service.app)
      .post('/api/users/signin')
      .send({ email: 'in@example.com', password: PASSWORD })
      .expect(200);
  });

  it('locks only the address that failed: the right password from another address gets in, and resets its own count', async () => {
    await auth.signup('victim@example.com');
    // supertest connects from loopback, which TRUST_PROXY trusts (the gateway's place): the
    // X-Forwarded-For it sends names the client, as the gateway's would.
    const from = (ip: string, password: string) =>
      request(auth.service.app)
        .post('/api/users/signin')
        .set('X-Forwarded-For', ip)
        .send({ email: 'victim@example.com', password });
    for (let i = 0; i < 5; i++) await from('198.51.100.66', `guess ${i}!`).expect(400);
    await from('198.51.100.66', PASSWORD).expect(429);
    for (let i = 0; i < 4; i++) await from('198.51.100.7', `typo ${i}!`).expect(400);
    await from('198.51.100.7', PASSWORD).expect(200);
    // The success reset this address's failures: another 5 wrong passwords before a lock.
    for (let i = 0; i < 5; i++) await from('198.51.100.7', `typo again ${i}!`).expect(400);
    await from('198.51.100.7', PASSWORD).expect(429);
  });

  it('publishes nothing but auth.user.created for sign-ups and sign-ins (and the key set, at start-up)', async () => {
    const events = await auth.events();
    const subjects = new Set(events.map((e: AnyEventEnvelope) => e.subject));
    expect([...subjects].sort()).toEqual(['auth.keys.updated', 'auth.user.created']);
    expect(events.filter((e) => e.subject === 'auth.keys.updated')).toHaveLength(1);
  });
});

describe('sign-in rate limit per IP', () => {
  let auth: TestAuth;

  beforeAll(async () => {
    auth = await startTestAuth({ env: { SIGNIN_LIMIT_PER_IP: '3', SIGNIN_LIMIT_PER_ACCOUNT: '100' } });
  });

  afterAll(async () => {
    await auth.stop();
  });

  it('refuses the fourth attempt from one IP whatever the account', async () => {
    for (let i = 0; i < 3; i++) {
      await request(auth.service.app)
        .post('/api/users/signin')
        .send({ email: `u${i}@example.com`, password: PASSWORD })
        .expect(400);
    }
    const res = await request(auth.service.app)
      .post('/api/users/signin')
      .send({ email: 'u9@example.com', password: PASSWORD })
      .expect(429);
    expect(res.headers['retry-after']).toBeDefined();
  });
});

describe('sign-up rate limit per address', () => {
  let auth: TestAuth;

  beforeAll(async () => {
    auth = await startTestAuth({ env: { SIGNUP_LIMIT_PER_IP: '3', SIGNUP_LIMIT_WINDOW: '15m' } });
  });

  afterAll(async () => {
    await auth.stop();
  });

  it('refuses the fourth sign-up from one address with 429 and Retry-After, whatever the email', async () => {
    for (let i = 0; i < 3; i++)
      await request(auth.service.app)
        .post('/api/users/signup')
        .send({ email: `new${i}@example.com`, password: PASSWORD })
        .expect(201);
    const res = await request(auth.service.app)
      .post('/api/users/signup')
      .send({ email: 'new9@example.com', password: PASSWORD })
      .expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(14 * 60);
    expect(res.body).toEqual({
      errors: [{ message: 'Too many sign-ups from this address; try again later', code: 'ERR_RATE_LIMITED' }],
    });
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await auth.service.ctx.store.findUserByEmail('new9@example.com')).toBeUndefined();
    const metrics = await request(auth.service.app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^authbus_signup_rate_limited_total\{by="ip"\} 1$/m);
    // Another client (named by the trusted proxy) is counted on its own.
    await request(auth.service.app)
      .post('/api/users/signup')
      .set('X-Forwarded-For', '2001:db8:9::1')
      .send({ email: 'new10@example.com', password: PASSWORD })
      .expect(201);
  });
});

describe('TRUST_PROXY=false', () => {
  let auth: TestAuth;

  beforeAll(async () => {
    auth = await startTestAuth({ env: { TRUST_PROXY: 'false', SIGNIN_LIMIT_PER_IP: '2' } });
  });

  afterAll(async () => {
    await auth.stop();
  });

  it('ignores X-Forwarded-For: every claimed address is the peer’s', async () => {
    for (let i = 0; i < 2; i++) {
      await request(auth.service.app)
        .post('/api/users/signin')
        .set('X-Forwarded-For', `203.0.113.${i}`)
        .send({ email: `u${i}@example.com`, password: PASSWORD })
        .expect(400);
    }
    await request(auth.service.app)
      .post('/api/users/signin')
      .set('X-Forwarded-For', '203.0.113.9')
      .send({ email: 'u9@example.com', password: PASSWORD })
      .expect(429);
  });
});

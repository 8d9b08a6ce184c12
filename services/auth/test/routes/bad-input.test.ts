import request from 'supertest';
import { createLogger } from '@authbus/common';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { startTestAuth, type TestAuth } from '../support/test-auth';

class BrokenStore extends MemoryStore {
  override async findUserByEmail(): Promise<never> {
    throw new Error('connection reset by peer (internal detail)');
  }
}

describe('bad input and probes', () => {
  let auth: TestAuth;
  const logged: string[] = [];

  beforeAll(async () => {
    const logger = createLogger('auth-test', 'error');
    const text = (fields: object) =>
      JSON.stringify(fields, (_k, v: unknown) => (v instanceof Error ? `${v.message}\n${v.stack}` : v));
    const capture = {
      ...logger,
      error: (fields: object, message?: string) => logged.push(`${message} ${text(fields)}`),
    };
    auth = await startTestAuth({ store: new BrokenStore(), logger: { ...capture, child: () => capture } });
  });

  afterAll(async () => {
    await auth.stop();
  });

  const app = () => auth.service.app;

  it('answers malformed JSON with 400', async () => {
    const res = await request(app())
      .post('/api/users/signin')
      .set('Content-Type', 'application/json')
      .send('{"email": ')
      .expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Malformed JSON body', code: 'ERR_BAD_REQUEST' }] });
  });

  it('answers an oversized body with 413', async () => {
    const res = await request(app())
      .post('/api/users/signup')
      .send({ email: 'a@b.co', password: 'x'.repeat(20_000) })
      .expect(413);
    expect(res.body.errors[0].code).toBe('ERR_PAYLOAD_TOO_LARGE');
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    const res = await request(app()).get('/api/users/nope').expect(404);
    expect(res.body).toEqual({ errors: [{ message: 'Route not found', code: 'ERR_NOT_FOUND' }] });
    await request(app()).put('/api/users/signin').expect(404);
  });

  it('answers an unexpected failure with a generic 500 and logs the detail', async () => {
    const res = await request(app())
      .post('/api/users/signin')
      .send({ email: 'a@b.co', password: 'whatever1' })
      .expect(500);
    expect(res.body).toEqual({ errors: [{ message: 'Something went wrong', code: 'ERR_INTERNAL' }] });
    expect(JSON.stringify(res.body)).not.toMatch(/connection reset/);
    expect(logged.join('\n')).toMatch(/unhandled error.*connection reset/);
  });

  it('refuses a cross-site state-changing request', async () => {
    const res = await request(app()).post('/api/users/signout').set('Origin', 'https://evil.example').expect(403);
    expect(res.body.errors[0].code).toBe('ERR_CROSS_SITE_REQUEST');
    await request(app()).post('/api/users/signout').set('Sec-Fetch-Site', 'cross-site').expect(403);
    await request(app()).post('/api/users/signout').set('Sec-Fetch-Site', 'same-origin').expect(200);
  });

  it('answers a wrong content type on a JSON route with 400 field errors, not a crash', async () => {
    const res = await request(app())
      .post('/api/users/signup')
      .set('Content-Type', 'text/plain')
      .send('email=a@b.co')
      .expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['email', 'password']);
  });

  it('serves /healthz, /readyz with the outbox backlog, and /metrics', async () => {
    await request(app()).get('/healthz').expect(200, { ok: true });
    const ready = await request(app()).get('/readyz').expect(200);
    expect(ready.body).toMatchObject({ ready: true, store: true, nats: true, outbox: { backlog: 0 } });
    const metrics = await request(app()).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/authbus_outbox_backlog 0/);
    expect(metrics.text).toMatch(/authbus_revocation_feed_caught_up 1/);
    expect(metrics.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/readyz",status="200"\}/);
  });
});

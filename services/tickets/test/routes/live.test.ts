import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testSessionCookie, waitFor } from '@authbus/common/testing';
import { openEventStream, type EventStream } from '@authbus/test-support';
import { startTestTickets, type TestTickets } from '../support/test-tickets';

/** `GET /api/tickets/live`: a stream of ticket changes that ends when its session does. */
describe('the live list (server-sent events)', () => {
  let t: TestTickets;
  let server: Server;
  let base: string;
  const streams: EventStream[] = [];

  beforeAll(async () => {
    t = await startTestTickets();
    server = t.service.app.listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const s of streams) s.close();
    await t.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  const open = async (cookie?: string): Promise<EventStream> => {
    const stream = await openEventStream(`${base}/api/tickets/live`, cookie);
    streams.push(stream);
    return stream;
  };

  it('refuses an anonymous caller (401), and streams a created ticket to a signed-in one', async () => {
    expect((await open()).status).toBe(401);
    const { cookie } = testSessionCookie({ sub: '0123456789abcdef01234567' });
    const stream = await open(cookie);
    expect(stream.status).toBe(200);
    const created = await fetch(`${base}/api/tickets`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Live one', price: 9 }),
    });
    expect(created.status).toBe(201);
    await waitFor(() => stream.events.some((e) => e.event === 'ticket' && JSON.parse(e.data).title === 'Live one'), {
      description: 'the new ticket on the stream',
    });
  });

  it('ends the stream with event: revoked within milliseconds of a sign-out, and leaves other sessions open', async () => {
    const signedOut = testSessionCookie({ sub: '0123456789abcdef01234568' });
    const other = testSessionCookie({ sub: '0123456789abcdef01234569' });
    const [stream, bystander] = [await open(signedOut.cookie), await open(other.cookie)];
    await t.bus.revokeSession(signedOut.claims);
    await stream.ended;
    expect(stream.events.at(-1)).toMatchObject({ event: 'revoked', data: JSON.stringify({ reason: 'revoked' }) });
    expect(bystander.events.filter((e) => e.event === 'revoked')).toEqual([]);
    // Opening it again with the revoked cookie is refused like any request.
    expect((await open(signedOut.cookie)).status).toBe(401);
  });

  it('ends the stream on a sign-out everywhere (a user cut-off) and when the token expires', async () => {
    const everywhere = testSessionCookie({ sub: '0123456789abcdef0123456a', gen: 0 });
    const stream = await open(everywhere.cookie);
    await t.bus.revokeUser(everywhere.claims, 1);
    await stream.ended;
    expect(stream.events.at(-1)?.event).toBe('revoked');

    const soon = testSessionCookie({ sub: '0123456789abcdef0123456b' }, undefined, { ttlSeconds: 1 });
    // The tolerance (5 s) applies: the stream ends when a request would be refused, not at exp.
    const expiring = await open(soon.cookie);
    expect(expiring.status).toBe(200);
    await expiring.ended;
    expect(JSON.parse(expiring.events.at(-1)!.data)).toEqual({ reason: 'expired' });
    expect(Date.now()).toBeGreaterThanOrEqual((soon.claims.exp + 5) * 1000 - 50);
  }, 15_000);

  it('closes every open stream when the service stops', async () => {
    const { cookie } = testSessionCookie({ sub: '0123456789abcdef0123456c' });
    const extra = await startTestTickets();
    const s = extra.service.app.listen(0);
    await new Promise((resolve) => s.once('listening', resolve));
    const stream = await openEventStream(
      `http://127.0.0.1:${(s.address() as AddressInfo).port}/api/tickets/live`,
      cookie,
    );
    expect(stream.status).toBe(200);
    const stopping = extra.stop();
    await stream.ended;
    await stopping;
    await new Promise((resolve) => s.close(resolve));
  });
});

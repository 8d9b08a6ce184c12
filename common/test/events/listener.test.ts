import type { JsMsg, NatsConnection } from 'nats';
import { AUTH_STREAM, Listener, Subjects, type UserCreatedEvent } from '@authbus/common';
import { Publisher } from '@authbus/common/issuer';
import { waitFor, startAuthBus, type AuthBus } from '@authbus/common/testing';

class UserCreatedPublisher extends Publisher<UserCreatedEvent> {
  readonly subject = Subjects.UserCreated;
}

class RecordingListener extends Listener<UserCreatedEvent> {
  readonly subject = Subjects.UserCreated;
  readonly durableName = 'test-user-created';
  readonly seen: string[] = [];
  failuresLeft = 0;

  protected override retryDelayMs(): number {
    return 50;
  }

  async onMessage(data: UserCreatedEvent['data'], _envelope: unknown, _msg: JsMsg): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('database down');
    }
    this.seen.push(data.email);
  }
}

describe('Publisher and Listener', () => {
  let bus: AuthBus;
  let nc: NatsConnection;
  const listeners: RecordingListener[] = [];

  beforeEach(async () => {
    bus = await startAuthBus({ maxAgeMs: 3600_000 });
    ({ nc } = bus);
  });

  afterEach(async () => {
    await Promise.all(listeners.splice(0).map((l) => l.close()));
    await bus.stop();
  });

  function listener(options: { onInvalid?: () => void } = {}): RecordingListener {
    const l = new RecordingListener(nc, options);
    listeners.push(l);
    return l;
  }

  it('publishes a typed envelope with the id as Nats-Msg-Id and awaits the ack', async () => {
    const publisher = new UserCreatedPublisher(nc.jetstream());
    const { envelope, ack } = await publisher.publish({ sub: 'u1', email: 'a@example.com', roles: [] });
    expect(envelope).toMatchObject({ subject: 'auth.user.created', version: 1, data: { sub: 'u1' } });
    expect(ack.seq).toBe(1);
    const again = await publisher.publish(envelope.data, { id: envelope.id });
    expect(again.ack.duplicate).toBe(true);
    const stored = await (await nc.jetstreamManager()).streams.getMessage('AUTH', { seq: 1 });
    expect(stored.header.get('Nats-Msg-Id')).toBe(envelope.id);
  });

  it('delivers each event once per service, shared by the replicas of that service', async () => {
    const a = listener();
    const b = listener();
    await a.listen();
    await b.listen();
    const publisher = new UserCreatedPublisher(nc.jetstream());
    for (let i = 0; i < 20; i++) await publisher.publish({ sub: `u${i}`, email: `u${i}@example.com`, roles: [] });
    await waitFor(() => a.seen.length + b.seen.length === 20);
    expect(new Set([...a.seen, ...b.seen]).size).toBe(20);
  });

  it('redelivers an event whose handler threw, until it succeeds', async () => {
    const l = listener();
    l.failuresLeft = 2;
    await l.listen();
    await new UserCreatedPublisher(nc.jetstream()).publish({ sub: 'u1', email: 'retry@example.com', roles: [] });
    await waitFor(() => l.seen.length === 1, { timeoutMs: 5000 });
    expect(l.seen).toEqual(['retry@example.com']);
  });

  it('terminates malformed events, counts them, and goes on', async () => {
    let invalid = 0;
    const l = listener({ onInvalid: () => invalid++ });
    await l.listen();
    await nc.jetstream().publish(Subjects.UserCreated, new TextEncoder().encode('not json'));
    await new UserCreatedPublisher(nc.jetstream()).publish({ sub: 'u2', email: 'after@example.com', roles: [] });
    await waitFor(() => l.seen.length === 1);
    expect(invalid).toBe(1);
    const jsm = await nc.jetstreamManager();
    // Both messages are settled: the malformed one terminated, the good one acked.
    await waitFor(async () => (await jsm.consumers.info('AUTH', 'test-user-created')).ack_floor.stream_seq === 2);
    expect((await jsm.consumers.info('AUTH', 'test-user-created')).num_redelivered).toBe(0);
  });

  it('picks up where the service left off after a restart', async () => {
    const first = listener();
    await first.listen();
    const publisher = new UserCreatedPublisher(nc.jetstream());
    await publisher.publish({ sub: 'u1', email: 'one@example.com', roles: [] });
    await waitFor(() => first.seen.length === 1);
    await first.close();
    await publisher.publish({ sub: 'u2', email: 'two@example.com', roles: [] });
    const second = listener();
    await second.listen();
    await waitFor(() => second.seen.length === 1);
    expect(second.seen).toEqual(['two@example.com']);
  });

  it('follows its stream when the stream is deleted and created again', async () => {
    const l = listener();
    await l.listen();
    const publisher = new UserCreatedPublisher(nc.jetstream());
    await publisher.publish({ sub: 'u1', email: 'one@example.com', roles: [] });
    await waitFor(() => l.seen.length === 1);

    const jsm = await nc.jetstreamManager();
    const { config } = await jsm.streams.info(AUTH_STREAM);
    await jsm.streams.delete(AUTH_STREAM);
    await jsm.streams.add(config);
    await publisher.publish({ sub: 'u2', email: 'two@example.com', roles: [] });
    await waitFor(() => l.seen.length === 2, {
      timeoutMs: 10_000,
      description: 'the listener to consume the recreated stream',
    });
    expect(l.seen).toEqual(['one@example.com', 'two@example.com']);
  });
});

import { connect, type NatsConnection } from 'nats';
import { AUTH_STREAM, connectNats, type Logger } from '@authbus/common';
import { ensureAuthStream } from '@authbus/common/issuer';
import { startNatsCluster, waitFor, type NatsClusterHandle } from '@authbus/common/testing';
import { AuthStreamKeeper } from '../../src/outbox/auth-stream-keeper';
import { MemoryStore } from '../../src/store/memory/memory-store';

const MAX_AGE_MS = 3600_000;

/** A logger that keeps each line's message and fields. */
function recordingLogger(): Logger & { lines: { level: string; message: string; fields: object }[] } {
  const lines: { level: string; message: string; fields: object }[] = [];
  const at =
    (level: string) =>
    (fields: object, message = ''): void => {
      lines.push({ level, message, fields });
    };
  const logger = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { ...logger, child: () => logger as unknown as Logger };
}

describe('auth and the AUTH stream on a 3-node NATS cluster', () => {
  let cluster: NatsClusterHandle;
  let nc: NatsConnection;

  beforeAll(async () => {
    // n3 is down from the start: the cluster has never seen it, so it cannot place an R3 stream.
    cluster = await startNatsCluster({ nodes: 3, down: ['n3'] });
    nc = await connect({ servers: cluster.servers, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  });

  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
  });

  function keeper(replicas: number | undefined, logger: Logger, store = new MemoryStore()) {
    return new AuthStreamKeeper({
      nc,
      stream: { maxAgeMs: MAX_AGE_MS, ...(replicas !== undefined ? { replicas } : {}) },
      store,
      horizon: () => Math.floor(Date.now() / 1000),
      logger,
      retryInitialMs: 50,
      retryMaxMs: 200,
    });
  }

  it('keeps trying to create an R3 stream while a server is missing, and creates it once the server is up', async () => {
    const down = cluster.node('n3');
    expect(down.running).toBe(false);
    const logger = recordingLogger();
    const store = new MemoryStore();
    const requeue = jest.spyOn(store, 'requeuePublished');
    const ensuring = keeper(3, logger, store).ensure();
    await waitFor(() => logger.lines.filter((l) => /could not be created or updated yet/.test(l.message)).length >= 1, {
      timeoutMs: 30_000,
      description: 'failed attempts to be logged',
    }).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${JSON.stringify(logger.lines)}`);
    });
    await down.restart();
    const info = await ensuring;
    expect(info.config.num_replicas).toBe(3);
    const failed = logger.lines.find((l) => /could not be created or updated yet/.test(l.message));
    expect(failed?.fields).toMatchObject({ err: expect.stringMatching(/insufficient resources|suitable peers/i) });
    expect(logger.lines.map((l) => l.message)).toEqual(expect.arrayContaining(['AUTH stream in place after retrying']));
    // The stream was created empty: what was published before is queued again.
    expect(requeue).toHaveBeenCalledTimes(1);
    await cluster.waitForJetStream();
  }, 90_000);

  it('never lowers the replicas of an existing stream, and says so', async () => {
    const logger = recordingLogger();
    const store = new MemoryStore();
    const requeue = jest.spyOn(store, 'requeuePublished');
    const info = await keeper(undefined, logger, store).ensure();
    expect(info.config.num_replicas).toBe(3);
    expect((await (await nc.jetstreamManager()).streams.info(AUTH_STREAM)).config.num_replicas).toBe(3);
    expect(logger.lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          message: 'AUTH stream keeps its replicas: a lower configured count never lowers them',
          fields: expect.objectContaining({ replicas: 3, configured: 1 }),
        }),
      ]),
    );
    expect(requeue).not.toHaveBeenCalled();
  });

  it('raises the replicas of an existing stream when configured to, and says so', async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(AUTH_STREAM);
    await ensureAuthStream(jsm, { maxAgeMs: MAX_AGE_MS, replicas: 1 });
    const logger = recordingLogger();
    const info = await ensureAuthStream(jsm, { maxAgeMs: MAX_AGE_MS, replicas: 3 }, logger);
    expect(info.config.num_replicas).toBe(3);
    expect(logger.lines).toEqual([
      expect.objectContaining({
        message: 'AUTH stream replicas raised',
        fields: expect.objectContaining({ from: 1, to: 3 }),
      }),
    ]);
  });

  it('leaves a hung server (SIGSTOP) for another one on its own pings', async () => {
    const auth = await connectNats({ servers: cluster.servers }, recordingLogger());
    const first = auth.getServer();
    const node = cluster.nodes.find((n) => n.url === `nats://${first}`)!;
    try {
      await node.pause();
      await waitFor(() => auth.getServer() !== first && auth.info, {
        timeoutMs: 20_000,
        description: 'the connection to move to another server',
      });
      // And it works there.
      await auth.flush();
    } finally {
      node.resume();
      await auth.close();
    }
  });
});

import { connect } from 'nats';
import { NATS_SERVER_MISSING, startNatsServer } from '@authbus/common/testing';

describe('startNatsServer', () => {
  it('says how to install nats-server when it is missing', async () => {
    await expect(startNatsServer({ binary: '/nonexistent/nats-server' })).rejects.toThrow(NATS_SERVER_MISSING);
    expect(NATS_SERVER_MISSING).toMatch(/apt-get install -y nats-server/);
  });

  it('pause() resolves only once the server is frozen: nothing sent after it is answered, until resume()', async () => {
    const server = await startNatsServer();
    const nc = await connect({ servers: server.url, pingInterval: 60_000 });
    try {
      const answeredWhilePaused: number[] = [];
      for (let round = 0; round < 20; round++) {
        await server.pause();
        expect(server.paused).toBe(true);
        // A live server answers at once (503: no responders); a frozen one never does.
        const outcome = await nc.request('nobody.listens', '', { timeout: 150 }).then(
          () => 'answered',
          (err: unknown) => (String(err).includes('TIMEOUT') ? 'timed out' : 'answered'),
        );
        if (outcome === 'answered') answeredWhilePaused.push(round);
        server.resume();
        await nc.flush();
      }
      expect(answeredWhilePaused).toEqual([]);
      await expect(nc.request('nobody.listens', '', { timeout: 1000 })).rejects.toThrow(/503/);
    } finally {
      await nc.close();
      await server.stop();
    }
  });

  it('restarts on the same port and store, keeping JetStream data', async () => {
    const server = await startNatsServer();
    try {
      let nc = await connect({ servers: server.url });
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: 'KEEP', subjects: ['keep.>'] });
      await nc.jetstream().publish('keep.one', 'x');
      await nc.close();
      await server.kill('SIGKILL');
      expect(server.running).toBe(false);
      await server.restart();
      nc = await connect({ servers: server.url });
      const info = await (await nc.jetstreamManager()).streams.info('KEEP');
      expect(info.state.messages).toBe(1);
      await nc.close();
    } finally {
      await server.stop();
    }
  });
});

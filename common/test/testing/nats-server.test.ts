import { connect } from 'nats';
import { NATS_SERVER_MISSING, startNatsServer } from '@authbus/common/testing';

describe('startNatsServer', () => {
  it('says how to install nats-server when it is missing', async () => {
    await expect(startNatsServer({ binary: '/nonexistent/nats-server' })).rejects.toThrow(NATS_SERVER_MISSING);
    expect(NATS_SERVER_MISSING).toMatch(/apt-get install -y nats-server/);
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

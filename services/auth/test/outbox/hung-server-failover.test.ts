import { connect, Events } from 'nats';
import { silentLogger } from '@authbus/common';
import { startNatsServer, waitFor } from '@authbus/common/testing';
import { HungServerFailover } from '../../src/outbox/hung-server-failover';

describe('HungServerFailover', () => {
  it('stays on a server that answers its ping (the trouble is JetStream’s, not the server’s)', async () => {
    const server = await startNatsServer();
    const nc = await connect({ servers: server.url });
    try {
      const failover = new HungServerFailover({ nc, logger: silentLogger, pongTimeoutMs: 5000 });
      failover.unanswered();
      await failover.settled();
      expect(failover.forced).toBe(0);
    } finally {
      await nc.close();
      await server.stop();
    }
  });

  it('makes the client reconnect when a frozen server does not answer, one check at a time', async () => {
    const server = await startNatsServer();
    // Pings far apart: only the failover can notice the frozen server within this test.
    const nc = await connect({ servers: server.url, pingInterval: 60_000, reconnectTimeWait: 50 });
    const statuses: string[] = [];
    void (async () => {
      for await (const status of nc.status()) statuses.push(status.type);
    })();
    try {
      const failover = new HungServerFailover({ nc, logger: silentLogger, pongTimeoutMs: 100 });
      await server.pause();
      // Two at once make one check. Under load the first PING can race the freeze: ask again then.
      failover.unanswered();
      failover.unanswered();
      await waitFor(
        async () => {
          await failover.settled();
          if (failover.forced === 0) failover.unanswered();
          return failover.forced > 0;
        },
        { timeoutMs: 5000, description: 'a forced reconnect' },
      );
      expect(failover.forced).toBe(1);
      await waitFor(() => statuses.includes(Events.Disconnect), { description: 'the forced disconnect' });
      server.resume();
      await waitFor(() => statuses.includes(Events.Reconnect), { description: 'a reconnect' });
    } finally {
      server.resume();
      await nc.close();
      await server.stop();
    }
  });
});

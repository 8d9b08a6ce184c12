import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from './free-port';

/** A TCP proxy a test can cut and restore, to partition one client from a server that stays up. */
export interface TcpProxyHandle {
  readonly port: number;
  readonly url: string;
  /** Drop every connection and refuse new ones (the client sees its connection closed at once). */
  cut(): Promise<void>;
  /**
   * Stop forwarding without closing anything, like a network partition: bytes wait, no FIN or
   * RST reaches either side, new connections are accepted and forward nothing. The client finds
   * out only by its own pings; `restore()` lets what waited through.
   */
  blackhole(): void;
  /** Accept (or forward) connections again. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Start a proxy on a free port of 127.0.0.1 forwarding to `targetPort`. */
export async function startTcpProxy(targetPort: number, scheme = 'nats'): Promise<TcpProxyHandle> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let server: Server | undefined;
  let holding = false;
  const hold = (pair: { client: Socket; upstream: Socket }): void => {
    pair.client.unpipe(pair.upstream);
    pair.upstream.unpipe(pair.client);
    pair.client.pause();
    pair.upstream.pause();
  };
  const forward = (pair: { client: Socket; upstream: Socket }): void => {
    pair.client.pipe(pair.upstream);
    pair.upstream.pipe(pair.client);
  };

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect({ host: '127.0.0.1', port: targetPort });
        for (const sock of [client, upstream]) {
          sockets.add(sock);
          sock.on('close', () => sockets.delete(sock));
          sock.on('error', () => sock.destroy());
        }
        const pair = { client, upstream };
        pairs.add(pair);
        if (holding) hold(pair);
        else forward(pair);
        client.on('close', () => {
          pairs.delete(pair);
          upstream.destroy();
        });
        upstream.on('close', () => client.destroy());
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
      server = s;
    });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      for (const sock of sockets) sock.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });

  await listen();
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    cut: stop,
    blackhole: () => {
      holding = true;
      for (const pair of pairs) hold(pair);
    },
    restore: async () => {
      if (holding) {
        holding = false;
        for (const pair of pairs) forward(pair);
      }
      if (!server) await listen();
    },
    close: () => {
      holding = false;
      return stop();
    },
  };
}

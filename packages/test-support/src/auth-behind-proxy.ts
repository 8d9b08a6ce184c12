import { startNatsServer, startTcpProxy, type NatsServerHandle, type TcpProxyHandle } from '@authbus/common/testing';
import type { Stack } from '@authbus/local';
import { startTestStack } from './stack';

/** A test stack whose auth service reaches its NATS server only through a TCP proxy the test can cut. */
export interface AuthBehindProxy {
  nats: NatsServerHandle;
  /** Between auth and NATS: `cut()`, `blackhole()`, `restore()`. */
  proxy: TcpProxyHandle;
  stack: Stack & { logs: string[] };
  /** Stop the stack, the proxy and the server. */
  stop(): Promise<void>;
}

/**
 * One NATS server, a TCP proxy in front of it for the auth service alone, and a stack of one tickets
 * replica connected to the server directly (no web client): the set-up of the auth cut-off suites.
 * `env` goes to every service, `authEnv` to auth only (its `NATS_URL` is the proxy's).
 */
export async function startAuthBehindProxy(
  options: { env?: Record<string, string>; authEnv?: Record<string, string> } = {},
): Promise<AuthBehindProxy> {
  const nats = await startNatsServer();
  const proxy = await startTcpProxy(nats.port);
  const stack = await startTestStack({
    natsUrl: nats.url,
    ticketsReplicas: 1,
    client: false,
    env: options.env ?? {},
    serviceEnv: { auth: { ...options.authEnv, NATS_URL: proxy.url } },
  });
  return {
    nats,
    proxy,
    stack,
    async stop() {
      await stack.stop();
      await proxy.close();
      await nats.stop();
    },
  };
}

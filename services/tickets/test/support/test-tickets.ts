import { connect, type NatsConnection } from 'nats';
import { ensureAuthStream, silentLogger } from '@authbus/common';
import { TEST_JWT_SECRET, startNatsServer, type NatsServerHandle } from '@authbus/common/testing';
import { loadConfig, type TicketsEnv } from '../../src/config';
import { createTicketsService, type TicketsService } from '../../src/service';

/** A tickets service on a test nats-server with the AUTH stream, verifying test cookies (kid `test`). */
export interface TestTickets {
  service: TicketsService;
  server: NatsServerHandle;
  publisher: NatsConnection;
  stop(): Promise<void>;
}

export async function startTestTickets(env: Partial<TicketsEnv> = {}): Promise<TestTickets> {
  const server = await startNatsServer();
  const publisher = await connect({ servers: server.url });
  await ensureAuthStream(await publisher.jetstreamManager(), { maxAgeMs: 3600_000 });
  const config = loadConfig({ JWT_KEY: TEST_JWT_SECRET, JWT_ACTIVE_KID: 'test', NATS_URL: server.url, ...env });
  config.kit.revocation = { ...config.kit.revocation, syncIntervalMs: 100 };
  const service = await createTicketsService(config, silentLogger);
  await service.kit.whenReady();
  return {
    service,
    server,
    publisher,
    async stop() {
      await service.close();
      await publisher.close();
      await server.stop();
    },
  };
}

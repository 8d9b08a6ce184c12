import type { NatsConnection } from 'nats';
import { silentLogger } from '@authbus/common';
import { TEST_JWT_SECRET, type AuthBus, type NatsServerHandle, startAuthBus } from '@authbus/common/testing';
import { loadConfig, type TicketsEnv } from '../../src/config';
import { createTicketsService, type TicketsService } from '../../src/service';

/** A tickets service on a test nats-server with the AUTH stream, verifying test cookies (kid `test`). */
export interface TestTickets {
  service: TicketsService;
  /** The test bus: revoke sessions the way the auth service does. */
  bus: AuthBus;
  server: NatsServerHandle;
  publisher: NatsConnection;
  stop(): Promise<void>;
}

export async function startTestTickets(env: Partial<TicketsEnv> = {}): Promise<TestTickets> {
  const bus = await startAuthBus({ maxAgeMs: 3600_000 });
  const { server, nc: publisher } = bus;
  const config = loadConfig({ JWT_KEY: TEST_JWT_SECRET, JWT_ACTIVE_KID: 'test', NATS_URL: server.url, ...env });
  config.kit.revocation = { ...config.kit.revocation, syncIntervalMs: 100 };
  const service = await createTicketsService(config, silentLogger);
  await service.kit.whenReady();
  return {
    service,
    bus,
    server,
    publisher,
    async stop() {
      await service.close();
      await bus.stop();
    },
  };
}

import { createAuthKit, silentLogger } from '@authbus/common';
import { TEST_JWT_SECRET, freePort, startNatsServer, testKeyRing } from '@authbus/common/testing';
import { loadConfig } from '../../src/config';
import { createTicketsService } from '../../src/service';

/** Shutting down must never hang on something that never came: NATS, or the AUTH stream. */
describe('shutdown', () => {
  it('closes an auth kit whose NATS never answered', async () => {
    const kit = createAuthKit({ keyRing: testKeyRing(), nats: { servers: `nats://127.0.0.1:${await freePort()}` } });
    const ready = kit.whenReady();
    await kit.close();
    await expect(ready).rejects.toThrow(/closed before the revocation feed caught up/);
  });

  it('closes the tickets service while the AUTH stream does not exist yet', async () => {
    const server = await startNatsServer();
    try {
      const service = await createTicketsService(
        loadConfig({ JWT_KEY: TEST_JWT_SECRET, NATS_URL: server.url }),
        silentLogger,
      );
      await service.kit.connection();
      await service.close();
    } finally {
      await server.stop();
    }
  });
});

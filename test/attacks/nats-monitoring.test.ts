import { networkInterfaces } from 'node:os';
import { isPortOpen } from '@authbus/common/testing';
import { startInfraBus, type InfraBus } from '../infra/support/infra-bus';
import { recordReliability } from '@authbus/test-support';

/** An IPv4 address of this machine that is not loopback: what another pod would connect to. */
function podNetworkAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;
}

const address = podNetworkAddress();

/**
 * nats-server's monitoring port lists every connection with its subscriptions (reply subjects,
 * consumer inboxes) and every consumer's name. With infra/nats/nats.conf, started as in the pod
 * (client port on every interface), it must not answer on the network at all: the StatefulSet's
 * probes run inside the container (see infra/k8s/nats.yaml), and the NetworkPolicy admits no one
 * to it either (test/infra/manifests.test.ts).
 */
describe('attacks: the NATS monitoring port from another pod', () => {
  let bus: InfraBus | undefined;

  afterAll(async () => {
    await bus?.close();
  });

  (address ? it : it.skip)(
    'answers on the loopback interface only, while the client port answers on the network',
    async () => {
      bus = await startInfraBus({ host: '0.0.0.0' });
      const monitorPort = Number(new URL(bus.nats.monitorUrl).port);
      // The client port is reachable at this address, so an unreachable monitor is not the network's doing.
      expect(await isPortOpen(bus.nats.port, address)).toBe(true);
      const fromNetwork = await isPortOpen(monitorPort, address);
      const health = await fetch(`${bus.nats.monitorUrl}/healthz`);
      expect(fromNetwork).toBe(false);
      expect(health.status).toBe(200);
      recordReliability({
        kind: 'attack',
        scenario: 'NATS monitoring from a pod',
        done: `nats-server started with infra/nats/nats.conf listening for clients on every interface, as in its pod; connect to its monitoring port (which lists connections, subscriptions and consumers) through this machine's network address (not loopback)`,
        checked:
          'the monitoring port refuses connections from the network and answers /healthz on loopback (the probes run in the container); the client port answers on the network',
        figures: `monitoring reachable from the network: ${fromNetwork ? 'yes' : 'no'}; /healthz on loopback: ${health.status}`,
      });
    },
  );
});

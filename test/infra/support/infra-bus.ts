import { connectNats, silentLogger, type AuthKitOptions, type NatsOptions } from '@authbus/common';
import { describeNatsStatus } from '@authbus/common/testing';
import { type NatsConnection, Events } from 'nats';
import { createSecretStore, type SecretStore } from './fake-kubectl';
import { startInfraNats, type InfraNats, type InfraNatsOptions } from './infra-nats';
import { renderKustomization } from './kustomization';
import { INFRA } from './paths';
import { containerEnv } from './pod-env';
import { kitOptionsOf, type BusService } from './service-nats';
import { mainContainer, workload, workloads, type Workload } from './workloads';

/** A connection and the errors its server reported (permission violations…). */
export interface Connected {
  nc: NatsConnection;
  errors: string[];
}

/** The cluster's NATS as the tests see it: the server, and the services' configuration. */
export interface InfraBus {
  readonly nats: InfraNats;
  readonly secrets: SecretStore;
  /** The environment a service's Deployment gives its container (Secrets from create-secrets.sh). */
  envOf(service: BusService): Record<string, string>;
  /** The auth kit options the service derives from that environment, NATS pointed at this server. */
  kitOptionsOf(service: BusService, env?: Record<string, string>): AuthKitOptions & { nats: NatsOptions };
  /** Connect with these options, as connectNats does for a service; closed by `close()`. */
  connect(options: NatsOptions): Promise<Connected>;
  close(): Promise<void>;
}

/** What to vary: the config file's text, extra server environment, the client address. */
export interface InfraBusOptions extends InfraNatsOptions {
  serverEnv?: Record<string, string>;
}

/**
 * Start nats-server as the NATS StatefulSet runs it (its config, its environment with the
 * passwords create-secrets.sh made), and give each service's configuration as its Deployment
 * derives it, so a test connects exactly as the service would.
 */
export async function startInfraBus(options: InfraBusOptions = {}): Promise<InfraBus> {
  const secrets = createSecretStore();
  const created = await secrets.runScript();
  if (created.code !== 0) throw new Error(`create-secrets.sh failed:\n${created.output}`);
  const all: Workload[] = workloads(renderKustomization(INFRA).map((o) => o.object));
  const server = workload(all, 'nats');
  const serverEnv = containerEnv(mainContainer(server), server.pod, { secretsDir: secrets.dir, fields: { 'metadata.name': 'nats-0' } });
  let nats: InfraNats;
  try {
    nats = await startInfraNats({ ...serverEnv, ...options.serverEnv }, options);
  } catch (err) {
    secrets.remove();
    throw err;
  }
  const open: NatsConnection[] = [];
  const envOf = (service: BusService): Record<string, string> => {
    const w = workload(all, service);
    return containerEnv(mainContainer(w), w.pod, { secretsDir: secrets.dir });
  };
  return {
    nats,
    secrets,
    envOf,
    kitOptionsOf(service, env = envOf(service)) {
      const kit = kitOptionsOf(service, env);
      if ('publish' in kit.nats) throw new Error(`${service}: its configuration holds a connection, not options`);
      return { ...kit, nats: { ...kit.nats, servers: nats.url } };
    },
    async connect(natsOptions) {
      const nc = await connectNats(natsOptions, silentLogger);
      open.push(nc);
      const errors: string[] = [];
      void (async () => {
        for await (const s of nc.status()) {
          const ctx = s.permissionContext;
          if (s.type === Events.Error) errors.push(`${describeNatsStatus(s.data)}${ctx ? ` ${ctx.operation} ${ctx.subject}` : ''}`);
        }
      })();
      return { nc, errors };
    },
    async close() {
      for (const nc of open) if (!nc.isClosed()) await nc.close();
      await nats.stop();
      secrets.remove();
    },
  };
}

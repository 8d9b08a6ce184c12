import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { ServiceCredential } from '@authbus/common';
import type { AddressInfo } from 'node:net';
import {
  freePort,
  generateServiceKeyPair,
  startNatsCluster,
  startNatsServer,
  type NatsClusterHandle,
  type NatsServerHandle,
} from '@authbus/common/testing';
import { startEmbeddedMongo, type EmbeddedMongo } from './embedded-mongo';
import { createGateway } from './gateway';
import { ServiceProcess } from './service-process';

/** A service's compiled entry point (its package's `main`; build first). */
const entry = (service: string): string => require.resolve(`@authbus/${service}`);

/** How to run the local stack. Every field has a default (the `npm start` one). */
export interface StackOptions {
  /** Gateway port; 0 = a free one. Default 3000. */
  gatewayPort?: number;
  /** First service port: auth gets it, tickets the next ones; 0 = free ports. Default 3001. */
  basePort?: number;
  ticketsReplicas?: number;
  /** Use this NATS instead of starting a `nats-server` from PATH. */
  natsUrl?: string;
  /**
   * Start a local NATS cluster of this many `nats-server`s (routes on loopback, `startNatsCluster`)
   * instead of one server; auth then gets `AUTH_STREAM_REPLICAS` = min(3, nodes) unless `env` says
   * otherwise. Default 1: one server. Ignored with `natsUrl`.
   */
  natsCluster?: number;
  /** `memory`, a MongoDB URI, or `auto`: `MONGO_URI`, else an embedded replica set if possible, else memory. */
  store?: 'memory' | 'auto' | { mongoUri: string };
  /** HS256 secret shared by the services; default a random one per run. */
  jwtKey?: string;
  adminEmails?: string;
  /** Extra environment for every service (e.g. `ACCESS_TOKEN_TTL`, `LOG_LEVEL`). */
  env?: Record<string, string>;
  /** Extra environment per service name (`auth`, `tickets`). */
  serviceEnv?: Record<string, Record<string, string>>;
  /**
   * Where log lines go; default stdout, prefixed with the service name. Pino JSON, or formatted
   * for a person when the services run with `NODE_ENV=development` (see `ServiceProcessOptions.logFormat`).
   */
  log?: (line: string) => void;
  /** Also serve the web client at `/` (default true). */
  client?: boolean;
}

/** A running local stack. */
export interface Stack {
  gatewayUrl: string;
  natsUrl: string;
  /** The test `nats-server`, when the stack started one (kill/restart it in fault tests). */
  nats: NatsServerHandle | undefined;
  /** The local NATS cluster, when the stack started one (`natsCluster` > 1). */
  natsCluster: NatsClusterHandle | undefined;
  jwtKey: string;
  /** Tickets' credential of this run (its public key is in auth's `SERVICE_KEYS`). */
  ticketsCredential: ServiceCredential;
  storeDescription: string;
  auth: ServiceProcess;
  tickets: ServiceProcess[];
  client: ServiceProcess | undefined;
  /** Start one more tickets replica (a late joiner) and add it to the gateway; `env` overrides. */
  addTickets(options?: { waitReady?: boolean; env?: Record<string, string> }): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

/**
 * Start NATS (or use `natsUrl`), the auth service, `ticketsReplicas` tickets replicas and the
 * gateway, each service as its own node process from its `dist/` build. `npm start` and the
 * end-to-end tests both use this.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const say = (message: string): void => log(`[stack] ${message}`);
  const cleanup: Array<() => Promise<void>> = [];
  try {
    let nats: NatsServerHandle | undefined;
    let natsCluster: NatsClusterHandle | undefined;
    let natsUrl = options.natsUrl;
    const clusterNodes = options.natsCluster ?? 1;
    if (!natsUrl && clusterNodes > 1) {
      natsCluster = await startNatsCluster({ nodes: clusterNodes });
      cleanup.push(() => natsCluster!.stop());
      natsUrl = natsCluster.servers.join(',');
      say(`NATS cluster of ${clusterNodes} nats-servers with JetStream on ${natsUrl}`);
    } else if (!natsUrl) {
      nats = await startNatsServer();
      cleanup.push(() => nats!.stop());
      natsUrl = nats.url;
      say(`nats-server with JetStream on ${natsUrl} (store ${nats.storeDir})`);
    } else {
      say(`using NATS at ${natsUrl}`);
    }

    const store = await chooseStore(options.store ?? 'auto');
    if (store.mongo) cleanup.push(() => store.mongo!.stop());
    say(`store: ${store.description}`);

    const jwtKey = options.jwtKey ?? randomBytes(48).toString('base64url');
    const nextPort = portAllocator(options.basePort ?? 3001);
    const common: Record<string, string> = {
      JWT_KEY: jwtKey,
      NATS_URL: natsUrl,
      COOKIE_SECURE: 'false',
      ...(natsCluster ? { AUTH_STREAM_REPLICAS: String(Math.min(3, clusterNodes)) } : {}),
      ...(options.adminEmails ? { ADMIN_EMAILS: options.adminEmails } : {}),
      ...options.env,
    };
    // Services print to our stdout unless a log was given (then it gets the lines, uncoloured).
    const output = options.log ? { log: options.log } : {};
    const mongoEnv = (database: string): Record<string, string> =>
      store.uri ? { MONGO_URI: withDatabase(store.uri, database) } : {};

    const authPort = await nextPort();
    // Tickets' credential for this run: its private key to tickets, its public key to auth. The
    // first tickets replica's port is taken now, so auth knows where to call tickets.
    const ticketsKey = generateServiceKeyPair('tickets');
    const firstTicketsPort = await nextPort();
    const auth = new ServiceProcess({
      name: 'auth',
      entry: entry('auth'),
      url: `http://127.0.0.1:${authPort}`,
      env: {
        ...common,
        ...mongoEnv('authbus_auth'),
        PORT: String(authPort),
        // Seals the keys POST /api/keys/rotate makes; one per run, like the JWT_KEY.
        KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        SERVICE_KEYS: JSON.stringify({ tickets: ticketsKey.publicJwk }),
        TICKETS_URL: `http://127.0.0.1:${firstTicketsPort}`,
        ...options.serviceEnv?.auth,
      },
      ...output,
    });
    cleanup.push(() => auth.stop());
    await auth.start({ waitReady: true });

    const tickets: ServiceProcess[] = [];
    const addTickets = async (
      start: { waitReady?: boolean; env?: Record<string, string> } = {},
    ): Promise<ServiceProcess> => {
      const port = tickets.length === 0 ? firstTicketsPort : await nextPort();
      const replica = new ServiceProcess({
        name: `tickets-${tickets.length + 1}`,
        entry: entry('tickets'),
        url: `http://127.0.0.1:${port}`,
        env: {
          ...common,
          ...mongoEnv('authbus_tickets'),
          PORT: String(port),
          AUTH_URL: auth.url,
          SERVICE_PRIVATE_KEY: ticketsKey.privatePem,
          ...options.serviceEnv?.tickets,
          ...start.env,
        },
        ...output,
      });
      tickets.push(replica);
      await replica.start({ waitReady: start.waitReady ?? true });
      return replica;
    };
    cleanup.push(async () => void (await Promise.all(tickets.map((t) => t.stop()))));
    await Promise.all(Array.from({ length: options.ticketsReplicas ?? 1 }, () => addTickets()));

    let client: ServiceProcess | undefined;
    if (options.client ?? true) {
      const port = await nextPort();
      client = new ServiceProcess({
        name: 'client',
        entry: entry('client'),
        url: `http://127.0.0.1:${port}`,
        env: { ...common, PORT: String(port) },
        ...output,
      });
      cleanup.push(() => client!.stop());
      await client.start();
    }

    const gateway = createGateway([
      { prefix: '/api/users', upstreams: () => [auth.url] },
      { prefix: '/api/keys', upstreams: () => [auth.url] },
      { prefix: '/.well-known', upstreams: () => [auth.url] },
      // An identity provider's back-channel logouts (auth, when configured); /.well-known covers the Shared Signals metadata.
      { prefix: '/api/oidc', upstreams: () => [auth.url] },
      { prefix: '/api/tickets', upstreams: () => tickets.filter((t) => t.running).map((t) => t.url) },
      { prefix: '/', upstreams: () => (client?.running ? [client.url] : []) },
    ]);
    const gatewayPort = await listen(gateway, options.gatewayPort ?? 3000);
    cleanup.push(() => closeServer(gateway));
    const gatewayUrl = `http://localhost:${gatewayPort}`;
    say(
      `gateway on ${gatewayUrl}: /api/users, /api/keys, /.well-known → auth, /api/tickets → ${tickets.length} tickets replica(s)${client ? ', / → web client' : ''}`,
    );

    return {
      gatewayUrl,
      natsUrl,
      nats,
      natsCluster,
      jwtKey,
      ticketsCredential: ticketsKey.credential,
      storeDescription: store.description,
      auth,
      tickets,
      client,
      addTickets,
      async stop() {
        for (const step of cleanup.reverse()) await step().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    throw err;
  }
}

async function chooseStore(
  choice: NonNullable<StackOptions['store']>,
): Promise<{ description: string; uri?: string; mongo?: EmbeddedMongo }> {
  if (choice === 'memory') return { description: 'memory (nothing survives a restart)' };
  if (typeof choice === 'object') return { description: `MongoDB at ${redact(choice.mongoUri)}`, uri: choice.mongoUri };
  if (process.env.MONGO_URI)
    return { description: `MongoDB at ${redact(process.env.MONGO_URI)} (MONGO_URI)`, uri: process.env.MONGO_URI };
  const mongo = await startEmbeddedMongo();
  if ('unavailable' in mongo) return { description: `memory, because ${mongo.unavailable}` };
  return { description: `embedded MongoDB replica set at ${mongo.uri}`, uri: mongo.uri, mongo };
}

function withDatabase(uri: string, database: string): string {
  const url = new URL(uri);
  url.pathname = `/${database}`;
  return url.toString();
}

function redact(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

function portAllocator(base: number): () => Promise<number> {
  let next = base;
  return async () => (base === 0 ? freePort() : next++);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`Port ${port} is in use: set GATEWAY_PORT to another port`) : err),
    );
    server.listen(port, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

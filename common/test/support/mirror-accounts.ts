import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { startNatsServer, type NatsServerHandle } from '@authbus/common/testing';

/** The mirror settings that go with `startMirrorAccounts`' config. */
export const MIRROR = { apiPrefix: '$JS.auth.API', deliverPrefix: 'deliver.auth.READER' } as const;

/**
 * The shape of infra/nats/nats.conf reduced to what a mirror needs, without user permissions (so
 * a test can also do what no service may, like deleting the origin stream): account ORIGIN (user
 * `origin`) exports auth.> and the mirror's subjects; account READER (user `reader`) imports them.
 */
const CONFIG = `
accounts {
  ORIGIN {
    jetstream: enabled
    users: [{ user: origin, password: origin }]
    exports: [
      { stream: "auth.>" }
      { service: "$JS.API.STREAM.INFO.AUTH" }
      { service: "$JS.API.CONSUMER.CREATE.AUTH" }
      { service: "$JS.FC.AUTH.>" }
      { stream: "deliver.auth.*.>", account_token_position: 3 }
    ]
  }
  READER {
    jetstream: enabled
    users: [
      { user: reader, password: reader }
      # A reader whose user may not delete streams: what a replacement meets without the permission.
      { user: reader-no-delete, password: reader-no-delete, permissions: { publish: { deny: ["$JS.API.STREAM.DELETE.>"] } } }
    ]
    imports: [
      { stream: { account: ORIGIN, subject: "auth.>" } }
      { service: { account: ORIGIN, subject: "$JS.API.STREAM.INFO.AUTH" }, to: "$JS.auth.API.STREAM.INFO.AUTH" }
      { service: { account: ORIGIN, subject: "$JS.API.CONSUMER.CREATE.AUTH" }, to: "$JS.auth.API.CONSUMER.CREATE.AUTH" }
      { service: { account: ORIGIN, subject: "$JS.FC.AUTH.>" } }
      { stream: { account: ORIGIN, subject: "deliver.auth.READER.>" } }
    ]
  }
}
`;

/** A nats-server with an origin and a reader account, and a way to connect to either. */
export interface MirrorAccounts {
  server: NatsServerHandle;
  connect(account: 'origin' | 'reader' | 'reader-no-delete'): Promise<NatsConnection>;
  stop(): Promise<void>;
}

export async function startMirrorAccounts(): Promise<MirrorAccounts> {
  const dir = mkdtempSync(join(tmpdir(), 'authbus-mirror-conf-'));
  const configFile = join(dir, 'nats.conf');
  writeFileSync(configFile, CONFIG);
  const server = await startNatsServer({ configFile });
  const open: NatsConnection[] = [];
  return {
    server,
    async connect(account) {
      const nc = await connect({
        servers: server.url,
        user: account,
        pass: account,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 100,
      });
      open.push(nc);
      return nc;
    },
    async stop() {
      await Promise.all(open.map((nc) => nc.close()));
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

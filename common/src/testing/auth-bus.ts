import { connect, type NatsConnection } from 'nats';
import type { AccessClaims } from '../tokens/claims';
import { createEnvelope } from '../events/create-envelope';
import { ensureAuthStream } from '../events/auth-stream';
import { publishEnvelope } from '../events/publish-envelope';
import type { SessionRevokedEvent } from '../events/session-revoked-event';
import { Subjects } from '../events/subjects';
import type { UserSessionsRevokedEvent } from '../events/user-sessions-revoked-event';
import { startNatsServer, type NatsServerHandle, type NatsServerOptions } from './nats-server';

/** A test `nats-server` with the `AUTH` stream in place, standing in for the auth service's bus. */
export interface AuthBus {
  readonly server: NatsServerHandle;
  readonly url: string;
  /** A connection of the test's own (publishes as the auth service would). */
  readonly nc: NatsConnection;
  /** Publish `auth.session.revoked` for the session of these claims, as a sign-out does. */
  revokeSession(claims: Pick<AccessClaims, 'sid' | 'sub' | 'exp'>): Promise<void>;
  /** Publish `auth.user.sessions-revoked` refusing the user's tokens below `belowGeneration`, as a sign-out everywhere does. */
  revokeUser(claims: Pick<AccessClaims, 'sub' | 'exp'>, belowGeneration?: number): Promise<void>;
  /** Close the connection, stop the server and remove its store. */
  stop(): Promise<void>;
}

/**
 * Start a real `nats-server` (see `startNatsServer`) and create the `AUTH` stream on it, so a
 * service under test can start its auth kit against it and the test can revoke sessions the way
 * the auth service does:
 *
 * ```ts
 * const bus = await startAuthBus();
 * const kit = createAuthKit({ keyRing: testKeyRing(), nats: { servers: bus.url } });
 * await bus.revokeSession(claims);
 * ```
 */
export async function startAuthBus(options: NatsServerOptions & { maxAgeMs?: number } = {}): Promise<AuthBus> {
  const { maxAgeMs = 20 * 60_000, ...serverOptions } = options;
  const server = await startNatsServer(serverOptions);
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    await ensureAuthStream(await nc.jetstreamManager(), { maxAgeMs });
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    server,
    url: server.url,
    nc,
    async revokeSession(claims) {
      const data = {
        sid: claims.sid,
        sub: claims.sub,
        reason: 'signout',
        revokedAt: new Date().toISOString(),
        until: claims.exp,
      };
      await publishEnvelope(nc.jetstream(), createEnvelope<SessionRevokedEvent>(Subjects.SessionRevoked, data));
    },
    async revokeUser(claims, belowGeneration = 1) {
      const data = {
        sub: claims.sub,
        reason: 'signout-all',
        belowGeneration,
        until: claims.exp,
        revokedBefore: Math.floor(Date.now() / 1000),
      };
      await publishEnvelope(
        nc.jetstream(),
        createEnvelope<UserSessionsRevokedEvent>(Subjects.UserSessionsRevoked, data),
      );
    },
    async stop() {
      await nc.close();
      await server.stop();
    },
  };
}

import { connect } from 'nats';
import { AUTH_STREAM, Subjects, type AnyEventEnvelope } from '@authbus/common';
import { AUTH_HEARTBEAT_SUBJECT } from '@authbus/common/issuer';

/**
 * How many `auth.session.revoked` events the `AUTH` stream holds per session id, read message by
 * message from `servers`. With `sids`, exactly those (0 for one never stored); without, every one.
 */
export async function storedSessionRevocations(
  servers: string | readonly string[],
  sids?: readonly string[],
): Promise<Map<string, number>> {
  const counts = new Map((sids ?? []).map((sid) => [sid, 0]));
  const nc = await connect({ servers: typeof servers === 'string' ? servers : [...servers] });
  try {
    const jsm = await nc.jetstreamManager();
    const { state } = await jsm.streams.info(AUTH_STREAM);
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
      const msg = await jsm.streams.getMessage(AUTH_STREAM, { seq }).catch(() => undefined);
      if (msg?.subject !== Subjects.SessionRevoked) continue;
      const { sid } = msg.json<AnyEventEnvelope>().data as { sid: string };
      if (!sids || counts.has(sid)) counts.set(sid, (counts.get(sid) ?? 0) + 1);
    }
    return counts;
  } finally {
    await nc.close();
  }
}

/** Resolves with the auth service's next heartbeat on `servers`. */
export async function nextAuthHeartbeat(servers: string | readonly string[]): Promise<void> {
  const nc = await connect({ servers: typeof servers === 'string' ? servers : [...servers] });
  try {
    const sub = nc.subscribe(AUTH_HEARTBEAT_SUBJECT, { max: 1 });
    for await (const _ of sub) break;
  } finally {
    await nc.close();
  }
}

/** The auth service's outbox backlog, as its `/readyz` reports it. */
export async function outboxBacklog(authUrl: string): Promise<number> {
  const res = await fetch(`${authUrl}/readyz`);
  return ((await res.json()) as { outbox: { backlog: number } }).outbox.backlog;
}

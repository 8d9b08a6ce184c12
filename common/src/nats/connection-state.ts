import { Events, type NatsConnection } from 'nats';

/** What happened to a connection. */
export type ConnectionEvent = { type: 'disconnect' | 'reconnect'; server: string } | { type: 'error'; err: string };

/** Whether a NATS connection is up, kept by one watcher of its status however many parts ask. */
export interface ConnectionState {
  /** True while connected (from the first connection until a disconnect, and again after a reconnect). */
  readonly connected: boolean;
  /** Call `listener` on every disconnect, reconnect and error; returns a function that stops it. */
  on(listener: (event: ConnectionEvent) => void): () => void;
}

const states = new WeakMap<NatsConnection, ConnectionState>();

/**
 * The connection state of `nc`: one status loop per connection, shared by the kit's readiness, the
 * revocation feed, the auth service's outbox relay and the log lines of `connectNats`. The loop
 * ends when the connection closes.
 */
export function connectionState(nc: NatsConnection): ConnectionState {
  let state = states.get(nc);
  if (!state) {
    state = watch(nc);
    states.set(nc, state);
  }
  return state;
}

function watch(nc: NatsConnection): ConnectionState {
  const listeners = new Set<(event: ConnectionEvent) => void>();
  let connected = !nc.isClosed();
  const emit = (event: ConnectionEvent): void => {
    for (const listener of listeners) listener(event);
  };
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === Events.Disconnect || s.type === Events.Reconnect) {
        connected = s.type === Events.Reconnect;
        emit({ type: connected ? 'reconnect' : 'disconnect', server: describe(s.data) });
      } else if (s.type === Events.Error) {
        emit({ type: 'error', err: describe(s.data) });
      }
    }
    connected = false;
  })().catch(() => undefined);
  return {
    get connected() {
      return connected;
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** A status event's data as text: a server address, or an error. */
export function describe(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data instanceof Error) return data.message;
  return JSON.stringify(data);
}

import { request, type IncomingMessage } from 'node:http';

/** One server-sent event as received. */
export interface ReceivedEvent {
  event: string;
  data: string;
  at: number;
}

/** An open `text/event-stream` response, read as it arrives. */
export interface EventStream {
  readonly status: number;
  readonly events: ReceivedEvent[];
  /** Resolves when the server ends the stream (with the time it did). */
  readonly ended: Promise<number>;
  /** Close it from this side. */
  close(): void;
}

/**
 * Open a server-sent events stream with a cookie (or none) over plain `node:http` (one socket
 * each, so a test can hold a thousand), and parse its events. Resolves once the response head
 * arrived; a non-200 answer resolves too (with its status), already ended.
 */
export function openEventStream(url: string, cookie?: string): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { headers: { accept: 'text/event-stream', ...(cookie ? { cookie } : {}) } },
      (res: IncomingMessage) => {
        const events: ReceivedEvent[] = [];
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const fields = { event: 'message', data: [] as string[] };
            for (const line of block.split('\n')) {
              if (line.startsWith(':') || line === '') continue;
              const colon = line.indexOf(':');
              const name = colon < 0 ? line : line.slice(0, colon);
              const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (name === 'event') fields.event = value;
              else if (name === 'data') fields.data.push(value);
            }
            if (fields.data.length > 0)
              events.push({ event: fields.event, data: fields.data.join('\n'), at: Date.now() });
          }
        });
        const ended = new Promise<number>((done) => {
          res.on('end', () => done(Date.now()));
          res.on('close', () => done(Date.now()));
        });
        resolve({ status: res.statusCode ?? 0, events, ended, close: () => req.destroy() });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

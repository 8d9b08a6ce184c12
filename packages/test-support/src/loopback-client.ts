import { Agent, request } from 'node:http';

/** What a JSON call answered. */
export interface JsonReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** Milliseconds from sending to the whole answer. */
  ms: number;
}

/**
 * A client that connects from one chosen address of 127.0.0.0/8. On Linux the whole range is
 * local, so a test can be many distinct clients, each seen by the server (or the gateway) as its
 * own peer address, without spoofing a header. Keeps connections alive; `close()` drops them.
 */
export class LoopbackClient {
  private readonly agent: Agent;

  constructor(
    readonly address: string,
    maxSockets = 32,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonReply> {
    const target = new URL(url);
    const payload = JSON.stringify(body);
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: `${target.pathname}${target.search}`,
          method: 'POST',
          localAddress: this.address,
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON: keep the text
            }
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: parsed,
              ms: performance.now() - started,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** How many replies had each status, e.g. `{ 400: 30, 429: 10 }`. */
export function statusCounts(replies: readonly JsonReply[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const r of replies) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

/** Every 429 carries a positive `Retry-After` (seconds). */
export function everyRefusalSaysWhen(replies: readonly JsonReply[]): boolean {
  return replies.filter((r) => r.status === 429).every((r) => Number(r.headers['retry-after']) > 0);
}

import { connect, type Socket } from 'node:net';

export interface PipelinedOptions {
  /** Source address (any of 127.0.0.0/8): who the server sees. */
  localAddress: string;
  /** Keep-alive connections; default 4. */
  connections?: number;
  /** Requests in flight per connection; default 64. */
  window?: number;
}

/**
 * POST `count` small JSON bodies to `url` as fast as one test process can: a few keep-alive
 * connections with HTTP/1.1 pipelining (the server answers each connection's requests in order),
 * so the client costs little next to the server under test. Returns how many answers had each
 * status. Every answer must carry Content-Length (Express's JSON answers do).
 */
export async function pipelinedPosts(
  url: string,
  count: number,
  body: (i: number) => unknown,
  options: PipelinedOptions,
): Promise<Record<number, number>> {
  const target = new URL(url);
  const statuses: Record<number, number> = {};
  let next = 0;
  const connection = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const socket: Socket = connect({
        host: target.hostname,
        port: Number(target.port),
        localAddress: options.localAddress,
        noDelay: true,
      });
      let buffered: Buffer = Buffer.alloc(0);
      let inFlight = 0;
      const send = (): void => {
        let batch = '';
        while (inFlight < (options.window ?? 64) && next < count) {
          const payload = JSON.stringify(body(next++));
          batch +=
            `POST ${target.pathname} HTTP/1.1\r\nhost: ${target.host}\r\ncontent-type: application/json\r\n` +
            `content-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`;
          inFlight++;
        }
        if (batch) socket.write(batch);
        else if (inFlight === 0) socket.end();
      };
      socket.on('connect', send);
      socket.on('data', (chunk: Buffer) => {
        buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
        for (;;) {
          const end = buffered.indexOf('\r\n\r\n');
          if (end < 0) break;
          const head = buffered.subarray(0, end).toString('latin1');
          const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
          if (!length) {
            socket.destroy(new Error(`answer without Content-Length: ${head.split('\r\n')[0]}`));
            return;
          }
          const total = end + 4 + Number(length[1]);
          if (buffered.length < total) break;
          const status = Number(head.slice(9, 12));
          statuses[status] = (statuses[status] ?? 0) + 1;
          buffered = buffered.subarray(total);
          inFlight--;
        }
        send();
      });
      socket.on('error', reject);
      socket.on('close', () =>
        inFlight === 0 ? resolve() : reject(new Error(`connection closed with ${inFlight} answers missing`)),
      );
    });
  await Promise.all(Array.from({ length: options.connections ?? 4 }, connection));
  return statuses;
}

import Redis from 'ioredis';

/** For global setup: `REDIS_URL`, else 127.0.0.1:6379, when it answers PING; else why not. */
export async function findTestRedis(): Promise<{ url: string } | { unavailable: string }> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return { url };
  } catch (err) {
    return { unavailable: `nothing answers PING at ${url} (${(err as Error).message})` };
  } finally {
    client.disconnect();
  }
}

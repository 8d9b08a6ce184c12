import { startEmbeddedMongo, type EmbeddedMongo } from '@authbus/local';
import { findTestRedis } from './find-redis';

declare global {
  // Shared with global-teardown.ts (jest runs both in the parent process).
  var authbusTestMongo: EmbeddedMongo | undefined;
}

/**
 * One MongoDB for every Mongo suite: `MONGO_URI` if set, else an embedded replica set when a
 * mongod can be had. Its URI reaches the test workers as `AUTHBUS_TEST_MONGO_URI`; when there is
 * none, the Mongo suites are skipped and this says why, once. Likewise the Redis suites get
 * `AUTHBUS_TEST_REDIS_URL` when a Redis answers (see redis.ts).
 */
export default async function globalSetup(): Promise<void> {
  process.env.AUTHBUS_TEST_RUN_STARTED = String(Date.now());
  const redis = await findTestRedis();
  if ('url' in redis) process.env.AUTHBUS_TEST_REDIS_URL = redis.url;
  else process.stdout.write(`\nRedis suites skipped: ${redis.unavailable}. Set REDIS_URL to run them.\n`);
  if (process.env.MONGO_URI) {
    process.env.AUTHBUS_TEST_MONGO_URI = process.env.MONGO_URI;
    return;
  }
  const mongo = await startEmbeddedMongo();
  if ('unavailable' in mongo) {
    process.stdout.write(
      `\nMongoDB suites skipped: ${mongo.unavailable}. Set MONGO_URI to a replica set to run them.\n`,
    );
    return;
  }
  globalThis.authbusTestMongo = mongo;
  process.env.AUTHBUS_TEST_MONGO_URI = mongo.uri;
}

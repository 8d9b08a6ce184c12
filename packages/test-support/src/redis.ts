/**
 * The Redis the Redis suites use (see global-setup.ts and find-redis.ts), or undefined when none
 * answered. Use `describeRedis` for those suites: `describe` when there is a Redis, else
 * `describe.skip` (global setup printed why, once). Suites never flush it (it may be shared):
 * each uses a key prefix of its own.
 */
export const testRedisUrl: string | undefined = process.env.AUTHBUS_TEST_REDIS_URL;

export const describeRedis: jest.Describe = testRedisUrl ? describe : describe.skip;

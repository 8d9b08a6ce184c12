/** The request-auth variants compared side by side, all serving the same small route. */
export const THROUGHPUT_CASES = ['none', 'courseStyle', 'authbus', 'redisDenylist', 'introspection'] as const;
export type ThroughputCase = (typeof THROUGHPUT_CASES)[number];

export const BENCH_SECRET = 'authbus-bench-secret-0123456789abcdef0123456789';
export const BENCH_KID = 'bench';

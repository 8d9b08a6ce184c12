import type { RequestHandler } from 'express';
import { Histogram, type Registry } from 'prom-client';
import type { Logger } from '../logging/logger';

/**
 * Count and time every request (`http_request_duration_seconds{method,route,status}`) and log it
 * as one debug line. `route` is the matched route pattern, so ids don't explode the label set.
 */
export function requestMetrics(registry: Registry, logger: Logger): RequestHandler {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    // `on`, not `once` (no wrapper per request): a response finishes once.
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const matched = req.route as { path?: unknown } | undefined;
      const route = matched ? `${req.baseUrl}${String(matched.path)}` : 'unmatched';
      duration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      // The debug line's fields (req.path parses the URL) are built only when it is written.
      if (logger.isLevelEnabled?.('debug') ?? true)
        logger.debug(
          { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10 },
          'request',
        );
    });
    next();
  };
}

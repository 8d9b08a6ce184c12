import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { BadGatewayError, NotFoundError, type AuthbusError } from '@authbus/common';

/** One route of the gateway: a path prefix and the upstreams that serve it (round-robin). */
export interface GatewayRoute {
  prefix: string;
  upstreams: () => readonly string[];
}

/**
 * The local stand-in for the Kubernetes Ingress: routes by path prefix (`/api/users` → auth,
 * `/api/tickets` → tickets, …) to `http://host:port` upstreams, round-robin across replicas. Keeps
 * the `Host` header (so the services' same-origin check sees the browser's host), sets
 * `X-Forwarded-For/Proto/Host`, and answers 502 `ERR_BAD_GATEWAY` in the usual error shape (the
 * status from the same table as the services') when an upstream is down.
 *
 * `X-Forwarded-For` is overwritten with the peer's address, never appended to: the gateway is the
 * edge, so whatever a client sent in it is a claim, not a hop. The services trust loopback (the
 * gateway) only, so the address they count rate limits against is the real client's. (ingress-nginx
 * does the same by default: it sets X-Forwarded-For and X-Real-IP to `$remote_addr`.)
 */
export function createGateway(routes: readonly GatewayRoute[]): Server {
  const counters = new Map<string, number>();
  return createServer((req, res) => {
    const path = req.url ?? '/';
    // Service-to-service routes are never reachable from outside, whatever a prefix would match.
    if (isInternalPath(path)) return fail(res, new NotFoundError('Route not found'));
    const route = routes.find(
      (r) =>
        path === r.prefix ||
        path.startsWith(r.prefix.endsWith('/') ? r.prefix : `${r.prefix}/`) ||
        path.startsWith(`${r.prefix}?`),
    );
    const upstreams = route?.upstreams() ?? [];
    if (!route || upstreams.length === 0) return fail(res, new NotFoundError('Route not found'));
    const n = counters.get(route.prefix) ?? 0;
    counters.set(route.prefix, n + 1);
    forward(req, res, new URL(upstreams[n % upstreams.length]!));
  });
}

/**
 * Paths only services call: internal routes (`/internal/…`) and the token endpoint for services
 * (`/api/services/…`). The gateway answers them 404, as the Ingress does (it routes neither).
 */
export const INTERNAL_PATH_PREFIXES = ['/internal', '/api/services'] as const;

function isInternalPath(path: string): boolean {
  // Decoded and lower-cased first, so `/%69nternal` or `/Internal` is no way round.
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.split('?')[0]!).toLowerCase().replace(/\/+/g, '/');
  } catch {
    return true;
  }
  return INTERNAL_PATH_PREFIXES.some((p) => decoded === p || decoded.startsWith(`${p}/`));
}

function forward(req: IncomingMessage, res: ServerResponse, upstream: URL): void {
  const headers = {
    ...req.headers,
    'x-forwarded-for': req.socket.remoteAddress ?? '',
    'x-real-ip': req.socket.remoteAddress ?? '',
    'x-forwarded-proto': 'http',
    'x-forwarded-host': req.headers.host ?? '',
  };
  const proxied = httpRequest(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    },
  );
  proxied.on('error', () => {
    if (!res.headersSent) fail(res, new BadGatewayError('Upstream unavailable'));
    else res.destroy();
  });
  req.pipe(proxied);
}

function fail(res: ServerResponse, error: AuthbusError): void {
  res.writeHead(error.status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ errors: error.serialize() }));
}

import { Router, type RequestHandler, type Response } from 'express';
import type { AuthKit, Logger, WatchEnd } from '@authbus/common';
import type { TicketChanges } from './ticket-changes';

/** A comment line this often keeps proxies from closing an idle stream, ms. */
const KEEPALIVE_MS = 15_000;

/** The live list's open streams, to end them at shutdown. */
export interface LiveStreams {
  readonly router: Router;
  /** How many streams are open. */
  readonly open: number;
  /** End every stream (the service is stopping). */
  closeAll(): void;
}

/**
 * `GET /api/tickets/live` (signed in): a server-sent events stream of new and changed tickets
 * (`event: ticket`). The stream is authenticated once, when it opens; `kit.watch` then ends it
 * with `event: revoked` (`data: {"reason":"revoked"|"expired"|"stale"}`) the moment its session
 * is signed out, banned or signed out everywhere, its token expires, or this replica's revocation
 * feed goes stale: the connection never outlives what a new request would be refused for.
 */
export function liveStreams(deps: {
  requireAuth: RequestHandler;
  watch: AuthKit['watch'];
  changes: TicketChanges;
  logger: Logger;
}): LiveStreams {
  const open = new Set<Response>();
  const router = Router().get('/api/tickets/live', deps.requireAuth, (req, res) => {
    const user = req.currentUser!;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // ingress-nginx (and nginx) would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.write(': live\n\n');
    open.add(res);
    const stopChanges = deps.changes.listen((ticket) =>
      res.write(`event: ticket\ndata: ${JSON.stringify(ticket)}\n\n`),
    );
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    keepalive.unref();
    const unwatch = deps.watch(user, (reason: WatchEnd) => {
      deps.logger.info(
        { sid: user.sid, sub: user.sub, reason },
        'live stream ended: the session can no longer be trusted',
      );
      res.end(`event: revoked\ndata: ${JSON.stringify({ reason })}\n\n`);
    });
    res.on('close', () => {
      open.delete(res);
      clearInterval(keepalive);
      stopChanges();
      unwatch();
    });
  });
  return {
    router,
    get open() {
      return open.size;
    },
    closeAll() {
      for (const res of [...open]) res.end();
    },
  };
}

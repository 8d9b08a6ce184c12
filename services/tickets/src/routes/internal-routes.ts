import { Router, type RequestHandler } from 'express';
import type { Logger } from '@authbus/common';
import type { TicketsStore } from '../store/tickets-store';

/**
 * Internal routes, for other services only (never routed by the gateway or the Ingress):
 * - `POST /internal/users/:id/hide` (the auth service only, `requireService('auth')`): hide every
 *   ticket of a banned user → 200 `{ hidden }`, how many were newly hidden. 401 without a service
 *   token, 403 for a user's token or another service's.
 */
export function internalRoutes(deps: { store: TicketsStore; onlyAuth: RequestHandler; logger: Logger }): Router {
  return Router().post('/internal/users/:id/hide', deps.onlyAuth, async (req, res) => {
    const userId = String(req.params.id).slice(0, 64);
    const hidden = await deps.store.hideUserTickets(userId);
    deps.logger.info(
      { sub: userId, hidden, caller: req.caller?.kind === 'service' ? req.caller.service : undefined },
      'tickets hidden',
    );
    res.json({ hidden });
  });
}

import { Router, type RequestHandler } from 'express';
import { ForbiddenError, NotFoundError, ServiceUnavailableError, isAuthbusError, type Logger } from '@authbus/common';
import { isId, newId, paging, validateRequest } from '@authbus/service-kit';
import type { TicketsStore } from '../store/tickets-store';
import { ticketView } from './ticket-view';
import { ticketRules } from './ticket-rules';
import type { TicketChanges } from '../live/ticket-changes';

/** What the ticket routes need. */
export interface TicketsRoutesDeps {
  store: TicketsStore;
  requireAuth: RequestHandler;
  authUrl: string;
  /**
   * How to call the auth service for the caller: `kit.fetchOnBehalf` with audience `auth` (a token
   * exchanged for auth only), or, without a service credential, `fetchAsUser` (the caller's token relayed).
   */
  fetchForUser: (req: Parameters<RequestHandler>[0], url: URL, init: RequestInit) => Promise<Response>;
  logger: Logger;
  /** Where created and changed tickets are announced (the live list). */
  changes: Pick<TicketChanges, 'announce'>;
}

const listing = paging(100);

/**
 * - `GET /api/tickets` (public): newest first, paged;
 * - `GET /api/tickets/mine` (auth): the caller's tickets and account, the account fetched from
 *   the auth service on the caller's behalf (a token exchanged for auth, or the caller's relayed);
 * - `GET /api/tickets/:id` (public);
 * - `POST /api/tickets {title, price}` (auth) → 201;
 * - `PUT /api/tickets/:id {title, price}` (owner only; 403 for others).
 */
export function ticketsRoutes({
  store,
  requireAuth,
  authUrl,
  fetchForUser,
  logger,
  changes,
}: TicketsRoutesDeps): Router {
  const router = Router();

  const withOwners = async (tickets: Awaited<ReturnType<TicketsStore['listTickets']>>['tickets']) => {
    const owners = await store.findUsers([...new Set(tickets.map((t) => t.userId))]);
    return tickets.map((t) => ticketView(t, owners));
  };

  router.get('/api/tickets', ...listing, async (req, res) => {
    const { limit = 50, offset = 0 } = req.query as { limit?: number; offset?: number };
    const { tickets, total } = await store.listTickets({ limit, offset });
    res.json({ tickets: await withOwners(tickets), total });
  });

  router.get('/api/tickets/mine', requireAuth, async (req, res) => {
    const userId = req.currentUser!.sub;
    const [{ tickets, total }, account] = await Promise.all([
      store.listTickets({ limit: 100, offset: 0, userId }),
      accountOf(req),
    ]);
    res.json({ account, tickets: await withOwners(tickets), total });
  });

  router.get('/api/tickets/:id', async (req, res) => {
    const id = String(req.params.id);
    const ticket = isId(id) ? await store.findTicket(id) : undefined;
    if (!ticket) throw new NotFoundError('Ticket not found');
    res.json((await withOwners([ticket]))[0]);
  });

  router.post('/api/tickets', requireAuth, ...ticketRules, validateRequest, async (req, res) => {
    const { title, price } = req.body as { title: string; price: number };
    const now = new Date();
    const ticket = { id: newId(), title, price, userId: req.currentUser!.sub, createdAt: now, updatedAt: now };
    await store.createTicket(ticket);
    logger.info({ ticketId: ticket.id, sub: ticket.userId }, 'ticket created');
    const [view] = await withOwners([ticket]);
    changes.announce(view!);
    res.status(201).json(view);
  });

  router.put('/api/tickets/:id', requireAuth, ...ticketRules, validateRequest, async (req, res) => {
    const id = String(req.params.id);
    const existing = isId(id) ? await store.findTicket(id) : undefined;
    if (!existing) throw new NotFoundError('Ticket not found');
    if (existing.userId !== req.currentUser!.sub) throw new ForbiddenError('Only the owner may change this ticket');
    const { title, price } = req.body as { title: string; price: number };
    const updated = await store.updateTicket(existing.id, { title, price, updatedAt: new Date() });
    if (!updated) throw new NotFoundError('Ticket not found');
    const [view] = await withOwners([updated]);
    changes.announce(view!);
    res.json(view);
  });

  /** The caller's account as the auth service sees it, asked on the caller's behalf. */
  async function accountOf(req: Parameters<RequestHandler>[0]): Promise<unknown> {
    let response: Response;
    try {
      response = await fetchForUser(req, new URL('/api/users/currentuser', authUrl), {
        signal: AbortSignal.timeout(2000),
      });
    } catch (err) {
      // Refused by the token endpoint (the session just ended): the caller's problem, not auth's.
      if (isAuthbusError(err) && err.status < 500) throw err;
      logger.warn({ err: String(err) }, 'auth service unreachable for token relay');
      throw new ServiceUnavailableError('Auth service unavailable');
    }
    if (!response.ok) throw new ServiceUnavailableError(`Auth service answered ${response.status}`);
    return ((await response.json()) as { currentUser: unknown }).currentUser;
  }

  return router;
}

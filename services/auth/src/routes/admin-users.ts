import { Router, type RequestHandler } from 'express';
import { param } from 'express-validator';
import { paging, validateRequest } from '@authbus/service-kit';
import { ban } from '../accounts/ban';
import { listUsers } from '../accounts/list-users';
import { unban } from '../accounts/unban';
import type { AuthContext } from '../context';
import { optionalReason } from '../http/reason-field';
import { userView } from '../http/user-view';

/**
 * Admin routes (role `admin`; 401 anonymous, 403 others):
 * - `GET /api/users?limit&offset` → `{ users, total }`;
 * - `POST /api/users/:id/ban {reason?}` → 200: banned, every session revoked, `auth.user.banned`;
 * - `DELETE /api/users/:id/ban` → 200: unbanned, `auth.user.unbanned` (new sign-ins allowed).
 * Unknown or malformed ids are 404.
 */
export function adminUserRoutes(ctx: AuthContext, requireAdmin: RequestHandler[]): Router {
  const router = Router();

  router.get('/api/users', ...requireAdmin, ...paging(500), async (req, res) => {
    const { limit = 100, offset = 0 } = req.query as { limit?: number; offset?: number };
    const { users, total } = await listUsers(ctx, { limit, offset });
    res.json({ users: users.map((u) => userView(u, true)), total });
  });

  const target = [param('id').isString(), validateRequest];

  router.post('/api/users/:id/ban', ...requireAdmin, ...target, optionalReason(), validateRequest, async (req, res) => {
    const { reason } = req.body as { reason?: string };
    const user = await ban(ctx, {
      userId: req.params.id as string,
      by: req.currentUser!.sub,
      ...(reason !== undefined ? { reason } : {}),
    });
    res.json(userView(user, true));
  });

  router.delete('/api/users/:id/ban', ...requireAdmin, ...target, async (req, res) => {
    const user = await unban(ctx, { userId: req.params.id as string, by: req.currentUser!.sub });
    res.json(userView(user, true));
  });

  return router;
}

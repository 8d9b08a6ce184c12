import { Router, type RequestHandler } from 'express';
import { body, param, query } from 'express-validator';
import { BadRequestError, NotFoundError } from '@authbus/common';
import type { AuthContext } from '../context';
import { userView } from '../http/user-view';
import { validateRequest } from '../http/validate';
import { userUnbanned } from '../sessions/auth-events';
import { commitAndPublish } from '../sessions/commit-and-publish';
import { revokeUser } from '../sessions/revoke';
import { isId } from '../store/new-id';

/** Deepest page offset: beyond it a listing is a scan, not a page (and big numbers lose precision). */
const MAX_OFFSET = 1_000_000;

/**
 * Admin routes (role `admin`; 401 anonymous, 403 others):
 * - `GET /api/users?limit&offset` → `{ users, total }`;
 * - `POST /api/users/:id/ban {reason?}` → 200: banned, every session revoked, `auth.user.banned`;
 * - `DELETE /api/users/:id/ban` → 200: unbanned, `auth.user.unbanned` (new sign-ins allowed).
 * Unknown or malformed ids are 404.
 */
export function adminUserRoutes(ctx: AuthContext, requireAdmin: RequestHandler[]): Router {
  const router = Router();

  router.get(
    '/api/users',
    ...requireAdmin,
    query('limit').optional().isInt({ min: 1, max: 500 }).withMessage('limit must be 1 to 500').toInt(),
    query('offset').optional().isInt({ min: 0, max: MAX_OFFSET }).withMessage(`offset must be 0 to ${MAX_OFFSET}`).toInt(),
    validateRequest,
    async (req, res) => {
      const { limit = 100, offset = 0 } = req.query as { limit?: number; offset?: number };
      const { users, total } = await ctx.store.listUsers({ limit, offset });
      res.json({ users: users.map((u) => userView(u, true)), total });
    },
  );

  const target = [param('id').isString(), validateRequest];

  router.post(
    '/api/users/:id/ban',
    ...requireAdmin,
    ...target,
    body('reason').optional().isString().trim().isLength({ min: 1, max: 200 }).withMessage('reason must be 1 to 200 characters'),
    validateRequest,
    async (req, res) => {
      const user = await findTarget(ctx, req.params.id as string);
      if (user.id === req.currentUser!.sub) throw new BadRequestError('You cannot ban yourself');
      if (!user.banned) {
        const reason = (req.body as { reason?: string }).reason ?? 'banned by an administrator';
        await revokeUser(ctx, user, 'ban', { reason });
        ctx.metrics.bans.inc({ action: 'ban' });
        ctx.logger.info({ sub: user.id, by: req.currentUser!.sub }, 'ban applied');
      }
      res.json({ ...userView(user), banned: true });
    },
  );

  router.delete('/api/users/:id/ban', ...requireAdmin, ...target, async (req, res) => {
    const user = await findTarget(ctx, req.params.id as string);
    if (user.banned) {
      await commitAndPublish(ctx, { kind: 'user-unbanned', userId: user.id }, [userUnbanned(user.id)]);
      ctx.metrics.bans.inc({ action: 'unban' });
      ctx.logger.info({ sub: user.id, by: req.currentUser!.sub }, 'ban lifted');
    }
    res.json({ ...userView(user), banned: false });
  });

  return router;
}

async function findTarget(ctx: AuthContext, id: string) {
  const user = isId(id) ? await ctx.store.findUserById(id) : undefined;
  if (!user) throw new NotFoundError('User not found');
  return user;
}

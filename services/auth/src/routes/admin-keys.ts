import { Router, type RequestHandler } from 'express';
import { NotFoundError } from '@authbus/common';
import type { AuthContext } from '../context';
import { refuseIfFenced } from '../accounts/fenced-answer';
import { latestExp } from '../accounts/revocation-times';

const KID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Key administration (role `admin`; 401 anonymous, 403 others):
 * - `GET /api/keys` → `{ keys: [{ kid, alg, state, source, createdAt, activatesAt, deactivatedAt, retiresAt, withdrawnAt }] }`;
 * - `POST /api/keys/rotate` → 200 `{ kid, activatesAt }`: a new key pair, published now, signing from `activatesAt`;
 * - `DELETE /api/keys/:kid` → 200 `{ kid, signingKid, published }`: withdrawn from every key ring; 404 unknown kid;
 *   503 `ERR_REVOCATION_PENDING` when not published and tokens it signed may outlive verifiers' memory of
 *   this instance (withdrawn here, retried).
 */
export function adminKeyRoutes(ctx: AuthContext, requireAdmin: RequestHandler[]): Router {
  const router = Router();
  router.get('/api/keys', ...requireAdmin, (_req, res) => {
    res.json({ keys: ctx.keys.list() });
  });
  router.post('/api/keys/rotate', ...requireAdmin, async (req, res) => {
    res.json(await ctx.keys.rotate(req.currentUser!.sub));
  });
  router.delete('/api/keys/:kid', ...requireAdmin, async (req, res) => {
    const kid = req.params.kid as string;
    if (!KID.test(kid)) throw new NotFoundError('Unknown key id');
    const withdrawn = await ctx.keys.withdraw(kid, req.currentUser!.sub);
    // Not on the stream yet (retried every second): tokens the key signed may be valid up to a
    // lifetime from now, so the fence decides on that (`RevocationFence.answerable`).
    if (!withdrawn.published) refuseIfFenced(ctx, 'key-withdrawal', latestExp(ctx.config, new Date(ctx.now())));
    res.json(withdrawn);
  });
  return router;
}

import { Router, type RequestHandler } from 'express';
import { ConflictError, ServiceUnavailableError } from '@authbus/common';
import type { AuthContext } from '../context';

/**
 * `POST /api/revocations/snapshot` (role `admin`): write the revocation snapshot now, for example
 * before scaling verifiers out. 200 `{ seq, entries, bytes, ms }`; 503 while this instance has not
 * caught up with the stream or NATS did not take it; 409 when snapshots are off.
 */
export function adminSnapshotRoutes(ctx: AuthContext, requireAdmin: RequestHandler[]): Router {
  const router = Router();
  router.post('/api/revocations/snapshot', ...requireAdmin, async (_req, res) => {
    if (!ctx.snapshots) throw new ConflictError('Revocation snapshots are off (REVOCATION_SNAPSHOT_EVERY=0)');
    const written = await ctx.snapshots.writeNow();
    if (!written) throw new ServiceUnavailableError('The revocation snapshot could not be written yet');
    res.json(written);
  });
  return router;
}

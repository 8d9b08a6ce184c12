import { Router, type RequestHandler } from 'express';
import { param } from 'express-validator';
import { validateRequest } from '@authbus/service-kit';
import type { AuthContext } from '../context';
import { optionalReason } from '../http/reason-field';
import { revokeCredential } from '../service-identity/revoke-credential';

/**
 * `POST /api/services/:service/credentials/:credential/revoke {reason?}` (admin): 200
 * `{ service, credential, revoked: true }`; the credential is refused from now on and every
 * token obtained with it is refused everywhere (`auth.service.revoked`). 404 unknown credential.
 */
export function serviceCredentialRoutes(ctx: AuthContext, requireAdmin: RequestHandler[]): Router {
  return Router().post(
    '/api/services/:service/credentials/:credential/revoke',
    ...requireAdmin,
    param('service').isString(),
    param('credential').isString(),
    optionalReason(),
    validateRequest,
    async (req, res) => {
      const { reason } = req.body as { reason?: string };
      const service = req.params.service as string;
      const credential = req.params.credential as string;
      await revokeCredential(ctx, { service, credential, by: req.currentUser!.sub, ...(reason ? { reason } : {}) });
      res.json({ service, credential, revoked: true });
    },
  );
}

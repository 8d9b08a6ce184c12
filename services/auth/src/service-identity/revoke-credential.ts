import { NotFoundError, Subjects, type EventEnvelope, type ServiceRevokedEvent } from '@authbus/common';
import { createEnvelope } from '@authbus/common/issuer';
import { commitAndPublish } from '../accounts/commit-and-publish';
import { clockToleranceSeconds } from '../config';
import type { AuthContext } from '../context';

/**
 * Revoke a service credential: stored (auth refuses its assertions for good) with
 * `auth.service.revoked`, which makes every service refuse the tokens it obtained, within
 * milliseconds. `until` is the latest `exp` such a token can have. 404 for a credential auth does not know.
 */
export async function revokeCredential(
  ctx: AuthContext,
  request: { service: string; credential: string; by: string; reason?: string },
): Promise<void> {
  const key = ctx.serviceIdentity.clients.byCredential(request.credential);
  if (!key || key.service !== request.service) throw new NotFoundError('No such credential');
  const at = new Date(ctx.now());
  const until =
    Math.floor(at.getTime() / 1000) + ctx.serviceIdentity.ttlSeconds + Math.ceil(clockToleranceSeconds(ctx.config));
  const reason = request.reason ?? 'revoked by an administrator';
  const event: EventEnvelope<ServiceRevokedEvent> = createEnvelope<ServiceRevokedEvent>(
    Subjects.ServiceRevoked,
    { service: request.service, credential: request.credential, reason, revokedAt: at.toISOString(), until },
    { occurredAt: at },
  );
  await commitAndPublish(
    ctx,
    { kind: 'credential-revoked', service: request.service, credential: request.credential, reason },
    [event],
    'service-credential',
  );
  ctx.logger.info(
    { service: request.service, credential: request.credential, by: request.by },
    'service credential revoked',
  );
}

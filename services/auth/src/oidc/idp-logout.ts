import { Subjects, type EventEnvelope, type SessionRevokedEvent, type UserSessionsRevokedEvent } from '@authbus/common';
import { createEnvelope } from '@authbus/common/issuer';
import { commitAndPublish } from '../accounts/commit-and-publish';
import { clockToleranceSeconds } from '../config';
import type { AuthContext } from '../context';
import type { LogoutToken } from './logout-token';
import type { OidcLogoutConfig } from './oidc-config';

/** The `reason` of every event a back-channel logout publishes. */
export const IDP_LOGOUT_REASON = 'idp-logout';

/**
 * Turn a validated logout token into authbus revocations, through the outbox like every other:
 * - with `sid`: `auth.session.revoked` for `<prefix><sid>` (that session only, as the spec says);
 * - with `sub` only: `auth.user.sessions-revoked` for `<prefix><sub>`, refusing every token of the
 *   user whose generation is at most the logout token's `iat`. The IdP's tokens carry no `gen`;
 *   the kit's claim mapping reads their `iat` as the generation (`gen: 'iat'`), so the cut-off is
 *   `belowGeneration = iat + 1`: every token the IdP issued up to the second of the logout is
 *   refused, and a sign-in at the IdP after it is not. Taking the IdP's `iat` rather than our clock
 *   keeps the cut-off in the IdP's clock, the one its access tokens are stamped with, and makes a
 *   replayed token publish the same cut-off again.
 * `until` is now + the IdP's longest token lifetime + the clock tolerance: no token the IdP issued
 * before the logout can be unexpired after it.
 */
export async function idpLogout(ctx: AuthContext, oidc: OidcLogoutConfig, token: LogoutToken): Promise<void> {
  const at = new Date(ctx.now());
  const until =
    Math.floor(at.getTime() / 1000) + oidc.maxTokenLifetimeSeconds + Math.ceil(clockToleranceSeconds(ctx.config));
  const sub = token.sub === undefined ? undefined : oidc.idPrefix + token.sub;
  const envelope =
    token.sid !== undefined
      ? createEnvelope<SessionRevokedEvent>(
          Subjects.SessionRevoked,
          {
            sid: oidc.idPrefix + token.sid,
            // The event needs a user; a logout token that names only a session gives the prefix alone.
            sub: sub ?? oidc.idPrefix,
            reason: IDP_LOGOUT_REASON,
            revokedAt: at.toISOString(),
            until,
          },
          { occurredAt: at },
        )
      : userCutOff(sub!, token.iat + 1, until, at);
  await commitAndPublish(ctx, { kind: 'external-revocation', source: oidc.issuer }, [envelope], 'idp-logout');
  ctx.logger.info(
    { issuer: oidc.issuer, sid: token.sid, sub: token.sub, jti: token.jti, subject: envelope.subject },
    'identity provider logout applied',
  );
}

function userCutOff(
  sub: string,
  belowGeneration: number,
  until: number,
  at: Date,
): EventEnvelope<UserSessionsRevokedEvent> {
  return createEnvelope<UserSessionsRevokedEvent>(
    Subjects.UserSessionsRevoked,
    { sub, reason: IDP_LOGOUT_REASON, belowGeneration, until, revokedBefore: belowGeneration - 1 },
    { occurredAt: at },
  );
}

import { createAuthKit, type AuthKit, type KeyRing } from '@authbus/common';
import { encodeSessionCookieValue, newTokenId, signAccessToken } from '@authbus/common/issuer';

/** The `Cookie` header every kit request of the bench presents: one user's session, an hour long. */
export function benchSessionCookie(signing: KeyRing): string {
  const { token } = signAccessToken(
    { sub: '6b04a94a044b283e2cbe76be', email: 'bench@example.com', roles: ['user'], sid: 'bench-session', gen: 0 },
    signing,
    { ttlSeconds: 3600 },
  );
  return `session=${encodeSessionCookieValue(token)}`;
}

/** A ready kit on `NATS_URL` with `REVOCATION_ENTRIES` unrelated sessions in its set, as a busy instance has. */
export async function readyKit(keyRing: KeyRing): Promise<AuthKit> {
  const kit = createAuthKit({ keyRing, nats: { servers: process.env.NATS_URL! } });
  await kit.whenReady();
  const until = Math.floor(Date.now() / 1000) + 3600;
  for (let i = 0; i < Number(process.env.REVOCATION_ENTRIES ?? 10_000); i++)
    kit.revocations.revokeSession(newTokenId(), until);
  return kit;
}

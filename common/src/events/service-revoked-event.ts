import type { Subjects } from './subjects';

/**
 * A service credential was revoked: refuse every service token and delegated token obtained with
 * credential `credential` of service `service` until `until` (the latest `exp` such a token can
 * have). The auth service refuses the credential itself from then on.
 */
export interface ServiceRevokedEvent {
  subject: typeof Subjects.ServiceRevoked;
  data: {
    service: string;
    /** The credential id (JWK thumbprint of the service's public key). */
    credential: string;
    reason: string;
    /** When it was revoked, ISO 8601. */
    revokedAt: string;
    /** Seconds since the epoch. */
    until: number;
  };
}

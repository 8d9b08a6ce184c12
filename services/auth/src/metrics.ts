import { Counter, Gauge, Registry } from 'prom-client';
import type { AuthStore } from './store/auth-store';

/** What operators of the auth service watch. */
export interface AuthMetrics {
  registry: Registry;
  signups: Counter;
  signins: Counter<'result'>;
  signouts: Counter<'scope'>;
  bans: Counter<'action'>;
  refreshes: Counter<'result'>;
  rateLimited: Counter<'by'>;
  signupRateLimited: Counter;
  rateLimitFallbacks: Counter<'limit'>;
  outboxPublished: Counter<'subject'>;
  outboxFailures: Counter;
  /** 1 while every revocation the stream has not acknowledged is answered 503 (`RevocationFence.fenced`). */
  revocationsFenced: Gauge;
  /** Revocations recorded but answered 503 by the fence (their tokens may outlive verifiers' memory), by action. */
  fencedAnswers: Counter<'action'>;
  serviceTokens: Counter<'grant' | 'service'>;
  serviceTokenRefusals: Counter<'error'>;
  internalCalls: Counter<'call' | 'result'>;
  /** Record a revocation snapshot written (its sequence, size and time). */
  snapshotWritten(written: { seq: number; bytes: number; ms: number }): void;
}

export function createAuthMetrics(store: AuthStore): AuthMetrics {
  const registry = new Registry();
  const registers = [registry];
  // Read at scrape time, so the request path never waits on it.
  let lastBacklog: Promise<{ count: number; oldestCreatedAt: Date | undefined }> | undefined;
  const backlog = (): Promise<{ count: number; oldestCreatedAt: Date | undefined }> =>
    (lastBacklog ??= store.backlog().finally(() => (lastBacklog = undefined)));
  new Gauge({
    name: 'authbus_outbox_backlog',
    help: 'Events committed but not yet acknowledged by the stream',
    registers,
    async collect() {
      this.set((await backlog()).count);
    },
  });
  new Gauge({
    name: 'authbus_outbox_oldest_age_seconds',
    help: 'Age of the oldest unpublished event (0 when none)',
    registers,
    async collect() {
      const { oldestCreatedAt } = await backlog();
      this.set(oldestCreatedAt ? (Date.now() - oldestCreatedAt.getTime()) / 1000 : 0);
    },
  });
  const snapshotSeq = new Gauge({
    name: 'authbus_revocation_snapshot_seq',
    help: 'AUTH stream sequence the last revocation snapshot written covers',
    registers,
  });
  const snapshotBytes = new Gauge({
    name: 'authbus_revocation_snapshot_bytes',
    help: 'Size of the last revocation snapshot written',
    registers,
  });
  const snapshotSeconds = new Gauge({
    name: 'authbus_revocation_snapshot_write_seconds',
    help: 'Time the last revocation snapshot took to encode and store',
    registers,
  });
  const revocationsFenced = new Gauge({
    name: 'authbus_auth_revocations_fenced',
    help: "1 while this instance answers every revocation it could not publish 503 (out of contact with NATS past REVOCATION_SILENT_MEMORY − clock tolerance − margin, or not yet heard); before that, each is decided by its tokens' lifetime",
    registers,
  });
  revocationsFenced.set(1);
  return {
    registry,
    snapshotWritten({ seq, bytes, ms }) {
      snapshotSeq.set(seq);
      snapshotBytes.set(bytes);
      snapshotSeconds.set(ms / 1000);
    },
    signups: new Counter({ name: 'authbus_signups_total', help: 'Users created', registers }),
    serviceTokens: new Counter({
      name: 'authbus_service_tokens_issued_total',
      help: 'Service tokens issued, by grant (client_credentials, token_exchange) and service',
      labelNames: ['grant', 'service'],
      registers,
    }),
    serviceTokenRefusals: new Counter({
      name: 'authbus_service_token_refusals_total',
      help: 'Token endpoint refusals of a client or grant (invalid_client, invalid_grant)',
      labelNames: ['error'],
      registers,
    }),
    internalCalls: new Counter({
      name: 'authbus_internal_calls_total',
      help: 'Calls auth makes to other services with its own token, by call and result',
      labelNames: ['call', 'result'],
      registers,
    }),
    signins: new Counter({
      name: 'authbus_signins_total',
      help: 'Sign-in attempts by result',
      labelNames: ['result'],
      registers,
    }),
    signouts: new Counter({
      name: 'authbus_signouts_total',
      help: 'Sign-outs by scope (session, all)',
      labelNames: ['scope'],
      registers,
    }),
    bans: new Counter({ name: 'authbus_bans_total', help: 'Bans and unbans', labelNames: ['action'], registers }),
    refreshes: new Counter({
      name: 'authbus_refreshes_total',
      help: 'Refresh attempts by result',
      labelNames: ['result'],
      registers,
    }),
    rateLimited: new Counter({
      name: 'authbus_signin_rate_limited_total',
      help: 'Sign-ins refused by a rate limit: by ip, network (an IPv6 /48), account-ip (this address on this account) or account (all addresses)',
      labelNames: ['by'],
      registers,
    }),
    signupRateLimited: new Counter({
      name: 'authbus_signup_rate_limited_total',
      help: 'Sign-ups refused by a rate limit: by ip or network (an IPv6 /48)',
      labelNames: ['by'],
      registers,
    }),
    rateLimitFallbacks: new Counter({
      name: 'authbus_rate_limit_store_fallbacks_total',
      help: 'Rate-limit operations counted in process memory because the shared store (Redis, MongoDB) failed',
      labelNames: ['limit'],
      registers,
    }),
    outboxPublished: new Counter({
      name: 'authbus_outbox_published_total',
      help: 'Events acknowledged by the stream',
      labelNames: ['subject'],
      registers,
    }),
    outboxFailures: new Counter({
      name: 'authbus_outbox_publish_failures_total',
      help: 'Failed publish attempts (retried)',
      registers,
    }),
    revocationsFenced,
    fencedAnswers: new Counter({
      name: 'authbus_auth_fenced_answers_total',
      help: 'Revocations recorded but answered 503 ERR_REVOCATION_PENDING because verifiers may no longer hold for this instance, by action (signout, signout-all, ban, service-credential, idp-logout, key-withdrawal)',
      labelNames: ['action'],
      registers,
    }),
  };
}

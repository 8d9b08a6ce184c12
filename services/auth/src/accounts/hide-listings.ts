import type { AuthContext } from '../context';

/**
 * Ask tickets to hide a banned user's tickets (`POST /internal/users/:id/hide`, tickets lets only
 * auth call it), with auth's own service token. In the background: the ban is answered and
 * enforced whatever tickets does; a failure is logged and counted
 * (`authbus_internal_calls_total{call="hide-listings",result="failed"}`) and the ban stands.
 */
export function hideListings(ctx: AuthContext, userId: string): Promise<void> {
  const base = ctx.config.ticketsUrl;
  if (base === undefined) return Promise.resolve();
  const url = new URL(`/internal/users/${encodeURIComponent(userId)}/hide`, base).toString();
  return ctx
    .fetchAsService(url, { audience: 'tickets', method: 'POST', signal: AbortSignal.timeout(5000) })
    .then(async (res) => {
      if (!res.ok) throw new Error(`tickets answered ${res.status}`);
      const { hidden } = (await res.json()) as { hidden?: number };
      ctx.metrics.internalCalls.inc({ call: 'hide-listings', result: 'ok' });
      ctx.logger.info({ sub: userId, hidden }, 'banned user’s tickets hidden');
    })
    .catch((err: unknown) => {
      ctx.metrics.internalCalls.inc({ call: 'hide-listings', result: 'failed' });
      ctx.logger.warn({ sub: userId, err: String(err) }, 'could not hide the banned user’s tickets');
    });
}

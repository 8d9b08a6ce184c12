import type { SsfReceiver } from './ssf-config';

/** What a push came to (RFC 8935 §2.2, §2.3). */
export type PushOutcome =
  /** 202: the receiver has it. */
  | { kind: 'accepted' }
  /** 400 `invalid_request` (or no code): the receiver finds this SET malformed; the same bytes again won't help. */
  | { kind: 'rejected'; status: number; error: string }
  /**
   * No answer, 5xx, 401/403/404, or 400 with a code a configuration fix cures (`invalid_key`,
   * `invalid_issuer`, `invalid_audience`, `authentication_failed`, `access_denied`): send it again later.
   */
  | { kind: 'retry'; reason: string };

/**
 * POST one SET to a receiver as RFC 8935 says (`Content-Type: application/secevent+jwt`,
 * `Accept: application/json`); 202 means delivered. No redirects are followed: the endpoint
 * is configured, and a redirect must not move SETs elsewhere.
 */
export async function pushSet(receiver: SsfReceiver, set: string, timeoutMs: number): Promise<PushOutcome> {
  let res: Response;
  try {
    res = await fetch(receiver.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/secevent+jwt',
        accept: 'application/json',
        ...(receiver.authorization !== undefined ? { authorization: receiver.authorization } : {}),
      },
      body: set,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { kind: 'retry', reason: String((err as Error).cause ?? err) };
  }
  const text = await res.text().catch(() => '');
  if (res.status === 202) return { kind: 'accepted' };
  if (res.status === 400) {
    let error = 'invalid_request';
    try {
      const body = JSON.parse(text) as { err?: unknown };
      if (typeof body.err === 'string') error = body.err.slice(0, 64);
    } catch {
      // no JSON error body: keep the generic code
    }
    if (error === 'invalid_request') return { kind: 'rejected', status: 400, error };
    return { kind: 'retry', reason: `HTTP 400 ${error}` };
  }
  return { kind: 'retry', reason: `HTTP ${res.status}` };
}

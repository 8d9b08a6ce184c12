/**
 * What a revocation (sign-out, ban, …) was answered, as one string: `'200'` (published, or its
 * tokens expire before verifiers may forget auth), `'503 ERR_REVOCATION_PENDING'` (recorded, not yet
 * in effect everywhere), or the status and code of anything else. Reads the body.
 */
export async function revocationAnswer(res: Response): Promise<string> {
  if (res.status !== 503) {
    await res.arrayBuffer();
    return String(res.status);
  }
  const body = (await res.json().catch(() => undefined)) as { errors?: Array<{ code?: string }> } | undefined;
  return `503 ${body?.errors?.[0]?.code ?? '(no code)'}`;
}

/** The answers a revocation may get under the contract: published (200) or recorded and pending (503). */
export const REVOCATION_ANSWERS: readonly string[] = ['200', '503 ERR_REVOCATION_PENDING'];

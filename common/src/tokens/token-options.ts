import type { ClaimMapping } from './claim-mapping';

/** How tokens are issued and checked. Build once at start-up; the defaults fit most services. */
export interface TokenOptions {
  /** `iss` claim; default `authbus`. */
  issuer?: string;
  /** `aud` claim; default `authbus`. */
  audience?: string;
  /** Leeway for `exp`/`nbf`, seconds; default 5. */
  clockToleranceSeconds?: number;
  /** Clock, milliseconds since the epoch; default `Date.now`. Tests freeze it. */
  now?: () => number;
  /**
   * Verify another issuer's access tokens (an identity provider's): where `sub`, `sid`, `roles`
   * and the generation are found in them. Default none: authbus tokens, every claim required.
   */
  claims?: ClaimMapping;
}

/** `TokenOptions` with every default filled in. */
export type ResolvedTokenOptions = Required<Omit<TokenOptions, 'claims'>> & { claims: ClaimMapping | undefined };

export const DEFAULT_ISSUER = 'authbus';
export const DEFAULT_AUDIENCE = 'authbus';
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;

export function resolveTokenOptions(options: TokenOptions = {}): ResolvedTokenOptions {
  return {
    issuer: options.issuer ?? DEFAULT_ISSUER,
    audience: options.audience ?? DEFAULT_AUDIENCE,
    clockToleranceSeconds: options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
    now: options.now ?? Date.now,
    claims: options.claims,
  };
}

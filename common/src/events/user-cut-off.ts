/**
 * What a user-wide revocation (ban, sign-out everywhere) says: every token of `sub` whose `gen`
 * claim is below `belowGeneration` is refused until `until`.
 */
export interface UserCutOff {
  sub: string;
  reason: string;
  /** The user's token generation after the cut-off: tokens with a lower `gen` are refused. */
  belowGeneration: number;
  /** The latest `exp` a refused token can have, seconds since the epoch. */
  until: number;
  /**
   * Seconds since the epoch: when the cut-off was made. Readers of `@authbus/common` 0.1 refuse
   * tokens with `iat <= revokedBefore` from it, so they stay safe while services are upgraded one
   * by one; current readers ignore it.
   * @deprecated Use `belowGeneration`; removed once no 0.1 reader is left.
   */
  revokedBefore?: number;
}

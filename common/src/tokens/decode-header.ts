import { TokenInvalidError } from '../errors/token-errors';

/** The parts of a JWS header authbus looks at before verifying. */
export interface TokenHeader {
  alg: string;
  kid?: string;
}

/** Longest token accepted: far above a real authbus token (~500 bytes), far below a DoS. */
export const MAX_TOKEN_LENGTH = 4096;

/** Read the protected header of a compact JWS without trusting it. Throws `TokenInvalidError`. */
export function decodeHeader(token: string): TokenHeader {
  if (token.length > MAX_TOKEN_LENGTH) throw new TokenInvalidError('Token too long');
  const dot = token.indexOf('.');
  if (dot <= 0 || token.indexOf('.', dot + 1) < 0) throw new TokenInvalidError('Token is not a JWS');
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
  } catch (err) {
    throw new TokenInvalidError('Token header is not JSON', { cause: err });
  }
  if (typeof header !== 'object' || header === null) throw new TokenInvalidError('Token header is not an object');
  const { alg, kid } = header as Record<string, unknown>;
  if (typeof alg !== 'string') throw new TokenInvalidError('Token header has no alg');
  if (kid !== undefined && typeof kid !== 'string') throw new TokenInvalidError('Token kid is not a string');
  return kid === undefined ? { alg } : { alg, kid };
}

import { TokenInvalidError } from '../errors/token-errors';
import { decodeJsonSegment } from './decode-segment';

/** The parts of a JWS header authbus looks at before verifying. */
export interface TokenHeader {
  alg: string;
  kid?: string;
  /** Media type: `JWT` (or absent) for access tokens, `SERVICE_TOKEN_TYPE` for service tokens. */
  typ?: string;
  /** Critical extensions; authbus understands none, so a token that has them is refused. */
  crit?: unknown;
}

/** Longest token accepted: far above a real authbus token (~500 bytes), far below a DoS. */
export const MAX_TOKEN_LENGTH = 4096;

/**
 * Decoded headers by their encoded form. Every token signed with one key has the same header, so
 * this holds a handful of entries and saves a base64 decode and a JSON parse per request. Only the
 * parsing is remembered; nothing in a header is trusted until the signature is checked.
 */
const decoded = new Map<string, Readonly<TokenHeader>>();
const MAX_DECODED = 64;

/** Read the protected header of a compact JWS without trusting it. Throws `TokenInvalidError`. */
export function decodeHeader(token: string): TokenHeader {
  // Callers in plain JavaScript (or a parsed body) may hand over anything.
  if (typeof token !== 'string') throw new TokenInvalidError('Token is not a string');
  if (token.length > MAX_TOKEN_LENGTH) throw new TokenInvalidError('Token too long');
  const dot = token.indexOf('.');
  if (dot <= 0 || token.indexOf('.', dot + 1) < 0) throw new TokenInvalidError('Token is not a JWS');
  const encoded = token.slice(0, dot);
  const known = decoded.get(encoded);
  if (known) return known;
  const header = parseHeader(encoded);
  if (decoded.size >= MAX_DECODED) decoded.clear();
  decoded.set(encoded, Object.freeze(header));
  return header;
}

function parseHeader(encoded: string): TokenHeader {
  const header = decodeJsonSegment(encoded, 'header');
  if (typeof header !== 'object' || header === null) throw new TokenInvalidError('Token header is not an object');
  const { alg, kid, typ, crit } = header as Record<string, unknown>;
  if (typeof alg !== 'string') throw new TokenInvalidError('Token header has no alg');
  if (kid !== undefined && typeof kid !== 'string') throw new TokenInvalidError('Token kid is not a string');
  if (typ !== undefined && typeof typ !== 'string') throw new TokenInvalidError('Token typ is not a string');
  return {
    alg,
    ...(kid !== undefined ? { kid } : {}),
    ...(typ !== undefined ? { typ } : {}),
    ...(crit !== undefined ? { crit } : {}),
  };
}

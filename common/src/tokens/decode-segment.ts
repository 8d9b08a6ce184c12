import { TokenInvalidError } from '../errors/token-errors';

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decode one segment of a compact JWS (header or payload) as JSON, strictly: base64url without
 * padding in canonical form, valid UTF-8. Node's base64 decoder skips stray characters (`+`, `/`,
 * `=`) and the unused low bits of the last one, and `toString('utf8')` replaces invalid bytes, so
 * several spellings would decode to one value; a verifier and a second parser could then disagree
 * about what a token says. Throws `TokenInvalidError` naming the segment.
 */
export function decodeJsonSegment(segment: string, name: 'header' | 'payload'): unknown {
  if (!BASE64URL.test(segment)) throw new TokenInvalidError(`Token ${name} is not base64url`);
  const bytes = Buffer.from(segment, 'base64url');
  if (bytes.toString('base64url') !== segment) throw new TokenInvalidError(`Token ${name} is not canonical base64url`);
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch (err) {
    throw new TokenInvalidError(`Token ${name} is not UTF-8 JSON`, { cause: err });
  }
}

import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { createKeyRing } from '@authbus/common';
import { verifyJws } from '../../src/tokens/verify-jws';

/**
 * The published examples of RFC 7515 (appendix A.1, HS256; A.3, ES256) verify, and what changes
 * them does not: the contract of the JWS check, whichever library does the signature math.
 */
const PAYLOAD = 'eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ';
const CLAIMS = { iss: 'joe', exp: 1300819380, 'http://example.com/is_root': true };

const hs = {
  token: `eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.${PAYLOAD}.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk`,
  key: createKeyRing({
    keys: [
      {
        kid: 'a1',
        secret: Buffer.from(
          'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow',
          'base64url',
        ),
      },
    ],
  }).select({ alg: 'HS256' }),
};
const esPublicKey = createPublicKey({
  key: {
    kty: 'EC',
    crv: 'P-256',
    x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
    y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
  },
  format: 'jwk',
});
const es = {
  input: `eyJhbGciOiJFUzI1NiJ9.${PAYLOAD}`,
  signature: 'DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q',
  key: createKeyRing({ keys: [{ kid: 'a3', publicKey: esPublicKey }] }).select({ alg: 'ES256' }),
};

/** The DER (ASN.1 SEQUENCE of two INTEGERs) form of a raw r||s ECDSA signature. */
function toDer(raw: Buffer): Buffer {
  const integer = (bytes: Buffer): Buffer => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    const trimmed = bytes.subarray(i);
    const value = trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
    return Buffer.concat([Buffer.from([0x02, value.length]), value]);
  };
  const body = Buffer.concat([integer(raw.subarray(0, 32)), integer(raw.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

function changeFirstChar(segment: string): string {
  return (segment[0] === 'A' ? 'B' : 'A') + segment.slice(1);
}

describe('verifyJws against the RFC 7515 examples', () => {
  it('accepts A.1 (HS256) and returns its payload', () => {
    expect(verifyJws(hs.token, hs.key)).toEqual(CLAIMS);
  });

  it('accepts A.3 (ES256, raw r||s signature) and returns its payload', () => {
    expect(verifyJws(`${es.input}.${es.signature}`, es.key)).toEqual(CLAIMS);
  });

  it('refuses A.1 with a changed signature or payload', () => {
    const [header, payload, signature] = hs.token.split('.') as [string, string, string];
    expect(() => verifyJws(`${header}.${payload}.${changeFirstChar(signature)}`, hs.key)).toThrow('Invalid signature');
    expect(() => verifyJws(`${header}.${changeFirstChar(payload)}.${signature}`, hs.key)).toThrow();
  });

  it('refuses A.3 with its signature in DER, though the DER signature is mathematically valid', () => {
    const der = toDer(Buffer.from(es.signature, 'base64url'));
    expect(verifySignature('sha256', Buffer.from(es.input), esPublicKey, der)).toBe(true);
    expect(() => verifyJws(`${es.input}.${der.toString('base64url')}`, es.key)).toThrow();
  });

  it('refuses A.1 unsigned (alg none style: an empty signature) and with a non-canonical signature', () => {
    const [header, payload, signature] = hs.token.split('.') as [string, string, string];
    expect(() => verifyJws(`${header}.${payload}.`, hs.key)).toThrow('not a signed compact JWS');
    // The last character's unused low bits changed: the same bytes, another spelling.
    const last = signature.at(-1)!;
    const respelled = `${signature.slice(0, -1)}${last === 'k' ? 'l' : 'k'}`;
    expect(Buffer.from(respelled, 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(true);
    expect(() => verifyJws(`${header}.${payload}.${respelled}`, hs.key)).toThrow('not canonical');
  });
});

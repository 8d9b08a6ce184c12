import { createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The `events` member of an OIDC back-channel logout token. */
const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** A local stand-in for an identity provider (Keycloak, Auth0, Okta): its own keys, its JWKS, real signed tokens. */
export interface TestIdentityProvider {
  /** `iss` of every token it signs (its base URL). */
  readonly issuer: string;
  /** Where its JWKS is served. */
  readonly jwksUri: string;
  /** The `kid` it signs with now. */
  readonly kid: string;
  /** How many times the JWKS was fetched. */
  readonly jwksFetches: number;
  /**
   * Sign `claims` (RS256, `kid` in the header); `iss`, `iat` and `exp` (in 5 minutes) are added
   * unless given. `header` adds or overrides header fields (`typ`).
   */
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>): string;
  /**
   * A back-channel logout token for `aud`: `iss`, `iat`, `exp`, `jti` and the `events` member
   * filled in; `claims` (`sid`, `sub`, …) added or overridden (`undefined` removes one).
   */
  logoutToken(aud: string, claims: Record<string, unknown>): string;
  /** A new key: published in the JWKS at once; signs from now on (the old one stays published). */
  rotate(): string;
  /** Make the JWKS answer 503 (true) or serve again (false). */
  setJwksDown(down: boolean): void;
  stop(): Promise<void>;
}

/** Start an identity provider stand-in on a free port of 127.0.0.1 (RSA 2048 keys, RS256). */
export async function startTestIdentityProvider(options: { now?: () => number } = {}): Promise<TestIdentityProvider> {
  const now = options.now ?? Date.now;
  const keys: { kid: string; privateKey: KeyObject; jwk: Record<string, unknown> }[] = [];
  const addKey = (): string => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = `idp-${keys.length + 1}`;
    keys.push({ kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' } });
    return kid;
  };
  addKey();
  let fetches = 0;
  let down = false;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/jwks') return void res.writeHead(404).end();
    fetches++;
    if (down) return void res.writeHead(503).end();
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
    res.end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const active = () => keys[keys.length - 1]!;

  const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}): string => {
    const iat = Math.floor(now() / 1000);
    const payload = Object.fromEntries(
      Object.entries({ iss: issuer, iat, exp: iat + 300, ...claims }).filter(([, v]) => v !== undefined),
    );
    const key = active();
    const h = { alg: 'RS256', typ: 'JWT', kid: key.kid, ...header };
    const input = `${b64(h)}.${b64(payload)}`;
    const signature = createSign('RSA-SHA256').update(input).sign(key.privateKey).toString('base64url');
    return `${input}.${signature}`;
  };

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    get kid() {
      return active().kid;
    },
    get jwksFetches() {
      return fetches;
    },
    sign,
    logoutToken: (aud, claims) =>
      sign({ aud, jti: randomUUID(), events: { [BACKCHANNEL_LOGOUT_EVENT]: {} }, ...claims }, { typ: 'logout+jwt' }),
    rotate: addKey,
    setJwksDown(value) {
      down = value;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

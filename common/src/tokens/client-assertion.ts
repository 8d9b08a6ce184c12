import { createPrivateKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ConfigError } from '../errors/config-error';
import { credentialIdOf } from './credential-id';
import { newTokenId } from './sign-access-token';

/** `client_assertion_type` of a private-key JWT (RFC 7523 §2.2). */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The `typ` header of client assertions (draft-ietf-oauth-rfc7523bis: explicit typing). */
export const CLIENT_ASSERTION_TYPE = 'client-authentication+jwt';

/** Longest lifetime a client assertion may ask for; the auth service refuses longer ones. */
export const MAX_CLIENT_ASSERTION_SECONDS = 5 * 60;

/** A service's credential: its name and its ES256 private key. */
export interface ServiceCredential {
  service: string;
  privateKey: KeyObject;
  /** The credential id (`credentialIdOf(privateKey)`), sent as the assertion's `kid`. */
  id: string;
}

/** Load a service credential from a PEM (P-256) private key. Throws `ConfigError`. */
export function serviceCredential(service: string, pem: string | Buffer): ServiceCredential {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (err) {
    throw new ConfigError(`The credential of service "${service}" is not a PEM private key`, { cause: err });
  }
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new ConfigError(`The credential of service "${service}" must be a P-256 EC key (ES256)`);
  return { service, privateKey, id: credentialIdOf(privateKey) };
}

/**
 * A client assertion (RFC 7523 §3): `iss` = `sub` = the service, `aud` = the auth service's
 * issuer identifier (one string: what draft-ietf-oauth-rfc7523bis requires, so an assertion made
 * for one server cannot be replayed at another), a fresh `jti`, a lifetime of 60 s.
 */
export function signClientAssertion(
  credential: ServiceCredential,
  issuer: string,
  now: () => number = Date.now,
): string {
  const iat = Math.floor(now() / 1000);
  const claims = {
    iss: credential.service,
    sub: credential.service,
    aud: issuer,
    jti: newTokenId(),
    iat,
    exp: iat + 60,
  };
  return jwt.sign(claims, credential.privateKey, {
    algorithm: 'ES256',
    keyid: credential.id,
    header: { typ: CLIENT_ASSERTION_TYPE, alg: 'ES256' },
  });
}

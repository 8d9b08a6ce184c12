import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { serviceCredential, type ServiceCredential } from '../tokens/client-assertion';

/** A fresh service key pair, in the forms each side takes. */
export interface ServiceKeyPair {
  /** What the service holds (`SERVICE_PRIVATE_KEY`), loaded. */
  credential: ServiceCredential;
  /** The private key as PKCS#8 PEM (`SERVICE_PRIVATE_KEY`). */
  privatePem: string;
  /** The public key as a JWK: its entry in the auth service's `SERVICE_KEYS`. */
  publicJwk: JsonWebKey;
}

/** A new EC P-256 credential for `service` (tests, and the local stack). */
export function generateServiceKeyPair(service: string): ServiceKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privatePem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return {
    credential: serviceCredential(service, privatePem),
    privatePem,
    publicJwk: publicKey.export({ format: 'jwk' }),
  };
}

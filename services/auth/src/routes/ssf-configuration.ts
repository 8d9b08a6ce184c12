import { Router } from 'express';
import type { SsfConfig } from '../ssf/ssf-config';

/** RFC 8935 push: the only delivery method authbus transmits with. */
export const PUSH_DELIVERY = 'urn:ietf:rfc:8935';

/**
 * `GET /.well-known/ssf-configuration`: the transmitter metadata of the Shared Signals Framework
 * 1.0 (§7.1): `issuer`, `jwks_uri`, the delivery method. Streams are configured on the auth
 * service (`SSF_RECEIVERS`), not through a stream management API, so no `configuration_endpoint`
 * is advertised. Public and cacheable for a few minutes.
 */
export function ssfConfigurationRoute(ssf: SsfConfig): Router {
  const metadata = {
    spec_version: '1_0',
    issuer: ssf.issuer,
    jwks_uri: ssf.jwksUri,
    delivery_methods_supported: [PUSH_DELIVERY],
    default_subjects: 'ALL',
  };
  return Router().get('/.well-known/ssf-configuration', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(metadata);
  });
}

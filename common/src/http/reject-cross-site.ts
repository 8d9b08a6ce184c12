import type { RequestHandler } from 'express';
import { CrossSiteRequestError } from '../errors/http-errors';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence for cookie-authenticated APIs: refuse state-changing requests (POST, PUT, PATCH,
 * DELETE) that a browser says come from another site, i.e. `Sec-Fetch-Site: cross-site`, or an
 * `Origin` whose host is not the request's `Host` (nor in `allowedOrigins`). Requests with neither
 * header (curl, services) pass: they carry no ambient browser cookie. Works with `sameSite: 'lax'`,
 * which already keeps the cookie off cross-site POSTs in current browsers.
 */
export function rejectCrossSite(options: { allowedOrigins?: readonly string[] } = {}): RequestHandler {
  const allowed = new Set(options.allowedOrigins ?? []);
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const fetchSite = req.headers['sec-fetch-site'];
    if (fetchSite === 'cross-site') return next(new CrossSiteRequestError());
    const origin = req.headers.origin;
    if (origin === undefined) return next();
    if (allowed.has(origin)) return next();
    if (origin === 'null' || hostOf(origin) !== req.headers.host) return next(new CrossSiteRequestError());
    next();
  };
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

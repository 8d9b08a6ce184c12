import { join } from 'node:path';
import express, { type Express } from 'express';
import { createErrorHandler, probeRoutes, requestMetrics, type Logger } from '@authbus/common';
import { Registry } from 'prom-client';

/** Where the page, its styles and the compiled browser code are. */
export interface ClientAssets {
  publicDir: string;
  webDir: string;
}

export const defaultAssets = (): ClientAssets => ({
  publicDir: join(__dirname, '..', '..', 'public'),
  webDir: join(__dirname, '..', 'web'),
});

/**
 * Serves the single-page client: `index.html` for every page path, `/js/*` the compiled browser
 * modules, `/styles.css`. A strict Content-Security-Policy allows only this origin's scripts (no
 * inline script), so an injected string can't run. No API here: the browser talks to
 * `/api/users` and `/api/tickets` on the same origin through the gateway or the Ingress.
 */
export function buildClientApp(logger: Logger, assets: ClientAssets = defaultAssets()): Express {
  const app = express();
  const registry = new Registry();
  app.disable('x-powered-by');
  app.use(requestMetrics(registry, logger));
  app.use(probeRoutes(() => ({ ready: true }), [registry]));
  app.use((_req, res, next) => {
    res.set({
      'Content-Security-Policy':
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'same-origin',
    });
    next();
  });
  app.use('/js', express.static(assets.webDir, { index: false, fallthrough: false }));
  app.use(express.static(assets.publicDir, { index: false }));
  app.get('/{*page}', (_req, res) => {
    res.sendFile(join(assets.publicDir, 'index.html'));
  });
  app.use(createErrorHandler(logger));
  return app;
}

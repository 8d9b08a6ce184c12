import express, { type Express, type RequestHandler } from 'express';
import {
  notFound,
  probeRoutes,
  rejectCrossSite,
  requestMetrics,
  type AuthKit,
  type ReadinessReport,
} from '@authbus/common';
import { sessionCookie } from '@authbus/common/issuer';
import { jsonBody } from '@authbus/service-kit';
import type { AuthContext } from './context';
import { addressLimits } from './routes/address-limits';
import { adminKeyRoutes } from './routes/admin-keys';
import { adminSnapshotRoutes } from './routes/admin-snapshot';
import { adminUserRoutes } from './routes/admin-users';
import { currentUserRoute } from './routes/current-user';
import { backchannelLogoutRoute } from './routes/oidc-backchannel-logout';
import { ssfConfigurationRoute } from './routes/ssf-configuration';
import { refreshRoute } from './routes/refresh';
import { serviceCredentialRoutes } from './routes/service-credentials';
import { serviceTokenRoute } from './routes/service-token';
import { signinRoute } from './routes/signin';
import { signoutRoutes } from './routes/signout';
import { signupRoute } from './routes/signup';
import { wellKnownRoutes } from './routes/well-known';

/** The routes that set or clear the session cookie. */
const COOKIE_ROUTES = [
  '/api/users/signup',
  '/api/users/signin',
  '/api/users/signout',
  '/api/users/signout-all',
  '/api/users/refresh',
];

/** What the app needs besides the context. */
export interface AppDeps {
  ctx: AuthContext;
  kit: Pick<AuthKit, 'currentUser' | 'requireAuth' | 'requireRole' | 'errorHandler' | 'metrics'>;
  readiness: () => Promise<ReadinessReport>;
}

/** The auth service's HTTP API. Only `index.ts` listens; tests call this with their own deps. */
export function buildApp({ ctx, kit, readiness }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  app.use(requestMetrics(ctx.metrics.registry, ctx.logger));
  app.use(probeRoutes(readiness, [ctx.metrics.registry, kit.metrics]));
  // Before the body parser: an address over its sign-in or sign-up limit costs us the least.
  // Public key discovery reads no cookie and no body.
  app.use(wellKnownRoutes(ctx));
  app.use(addressLimits(ctx));
  // Server to server, form-encoded, answered as the OIDC spec says: before the JSON body and the cookie.
  if (ctx.config.oidc) app.use(backchannelLogoutRoute(ctx, ctx.config.oidc));
  if (ctx.config.ssf) app.use(ssfConfigurationRoute(ctx.config.ssf));
  app.use(jsonBody());
  // Only the routes that set or clear the cookie need cookie-session (its parsing, its hash of the
  // session, its header hook); every other route reads the cookie through the kit, or not at all.
  app.use(COOKIE_ROUTES, sessionCookie({ secure: ctx.config.cookieSecure }));
  app.use(rejectCrossSite({ allowedOrigins: ctx.config.allowedOrigins }));
  app.use(kit.currentUser);

  const requireAdmin: RequestHandler[] = [kit.requireAuth, kit.requireRole('admin')];
  app.use(signupRoute(ctx));
  app.use(signinRoute(ctx));
  app.use(signoutRoutes(ctx));
  app.use(refreshRoute(ctx));
  app.use(currentUserRoute(ctx));
  app.use(adminUserRoutes(ctx, requireAdmin));
  app.use(adminKeyRoutes(ctx, requireAdmin));
  app.use(adminSnapshotRoutes(ctx, requireAdmin));
  app.use(serviceTokenRoute(ctx));
  app.use(serviceCredentialRoutes(ctx, requireAdmin));

  app.use(notFound);
  app.use(kit.errorHandler);
  return app;
}

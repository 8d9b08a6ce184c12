import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import cookieSession from 'cookie-session';
import express, { type RequestHandler } from 'express';
import jwt from 'jsonwebtoken';
import { createClient } from 'redis';
import {
  createAuthKit,
  NotAuthenticatedError,
  readSessionToken,
  TokenRevokedError,
  type AccessClaims,
} from '@authbus/common';
import { readyKit } from './bench-kit';
import { benchKeyRing } from './bench-keys';
import { APP_CASES, BENCH_SECRET, CASE_ALGORITHM, type AppCase } from './cases';

/**
 * One server process per case (`node app-server.js <case>`), printing `READY <port>` once it
 * serves `GET /api/protected`. The route is the same small JSON answer in every case; only what
 * runs in front of it differs.
 */
async function main(): Promise<void> {
  const which = process.argv[2] as AppCase;
  if (!APP_CASES.includes(which)) throw new Error(`unknown case ${which}`);
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const guard = await guardFor(which);
  app.get('/api/protected', ...guard, (req, res) => {
    res.json({ ok: true, sub: (req as { currentUser?: { sub: string } | null }).currentUser?.sub ?? 'anonymous' });
  });
  app.use(((err, _req, res, _next) => {
    res
      .status((err as { status?: number }).status ?? 401)
      .json({ errors: [{ message: String((err as Error).message) }] });
  }) as express.ErrorRequestHandler);
  const server = app.listen(0, '127.0.0.1', () =>
    process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`),
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
}

async function guardFor(which: AppCase): Promise<RequestHandler[]> {
  const alg = CASE_ALGORITHM[which] ?? 'HS256';
  const keyRing = benchKeyRing(alg, alg === 'HS256' ? undefined : process.env[`BENCH_${alg}_PUBLIC_KEY`]);
  switch (which) {
    case 'none':
      return [];
    case 'courseStyle':
      // The usual course middleware: cookie-session, then verify with the secret as a string from env.
      process.env.JWT_KEY = BENCH_SECRET;
      return [
        cookieSession({ signed: false, secure: false }),
        (req, _res, next) => {
          const session = (req as { session?: { jwt?: string } | null }).session;
          if (!session?.jwt) return next(new NotAuthenticatedError());
          try {
            (req as { currentUser?: unknown }).currentUser = jwt.verify(session.jwt, process.env.JWT_KEY!);
          } catch {
            return next(new NotAuthenticatedError());
          }
          next();
        },
      ];
    case 'authbus':
    case 'authbusES256':
    case 'authbusRS256': {
      // `requireAuth` alone authenticates the request: one middleware, as a protected route needs.
      const kit = await readyKit(keyRing);
      return [kit.requireAuth];
    }
    case 'redisDenylist': {
      // The kit's own request path (the same cookie-keyed verified-token cache, one middleware,
      // an empty revocation set), then one EXISTS: only the Redis round trip differs from authbus.
      const kit = createAuthKit({ keyRing, nats: { servers: process.env.NATS_URL! } });
      await kit.whenReady();
      const redis = createClient(process.env.REDIS_URL ? { url: process.env.REDIS_URL } : {});
      await redis.connect();
      return [
        (req, res, next) =>
          kit.requireAuth(req, res, (err?: unknown) => {
            if (err !== undefined) return next(err);
            redis.exists(`revoked:${req.currentUser!.sid}`).then(
              (revoked) => next(revoked ? new TokenRevokedError() : undefined),
              (failed: unknown) => next(failed),
            );
          }),
      ];
    }
    case 'introspection': {
      const agent = new Agent({ keepAlive: true, maxSockets: 64 });
      const port = Number(process.env.INTROSPECTION_PORT);
      return [
        (req, _res, next) => {
          const body = JSON.stringify({ token: readSessionToken(req.headers.cookie) ?? '' });
          const call = httpRequest(
            {
              host: '127.0.0.1',
              port,
              path: '/introspect',
              method: 'POST',
              agent,
              headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
            },
            (res) => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => (text += chunk));
              res.on('end', () => {
                const answer = JSON.parse(text) as { active: boolean; claims?: AccessClaims };
                if (!answer.active) return next(new NotAuthenticatedError());
                (req as { currentUser?: unknown }).currentUser = answer.claims;
                next();
              });
            },
          );
          call.on('error', next);
          call.end(body);
        },
      ];
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});

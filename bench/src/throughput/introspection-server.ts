import type { AddressInfo } from 'node:net';
import express from 'express';
import { createKeyRing, createTokenVerifier } from '@authbus/common';
import { BENCH_KID, BENCH_SECRET } from './cases';

/**
 * The introspection alternative's token service: `POST /introspect {token}` → `{ active, claims }`,
 * verifying with a KeyObject and checking an in-memory denylist, as an auth server would.
 */
function main(): void {
  const verify = createTokenVerifier(
    createKeyRing({ keys: [{ kid: BENCH_KID, secret: BENCH_SECRET }], activeKid: BENCH_KID }),
  );
  const denied = new Set<string>();
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(express.json());
  app.post('/introspect', (req, res) => {
    try {
      const claims = verify(String((req.body as { token?: unknown }).token));
      res.json(denied.has(claims.sid) ? { active: false } : { active: true, claims });
    } catch {
      res.json({ active: false });
    }
  });
  const server = app.listen(0, '127.0.0.1', () =>
    process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`),
  );
}

main();

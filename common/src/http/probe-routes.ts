import { Router } from 'express';
import { Registry } from 'prom-client';

/** What `/readyz` answers: `ready` decides 200 or 503; the rest explains. */
export type ReadinessReport = { ready: boolean } & Record<string, unknown>;

/**
 * `GET /healthz` (the process is alive), `GET /readyz` (200 or 503 with the report) and
 * `GET /metrics` (Prometheus text of every registry given).
 */
export function probeRoutes(
  readiness: () => ReadinessReport | Promise<ReadinessReport>,
  registries: readonly Registry[],
): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  router.get('/readyz', async (_req, res) => {
    const report = await readiness();
    res.status(report.ready ? 200 : 503).json(report);
  });
  router.get('/metrics', async (_req, res) => {
    const texts = await Promise.all(registries.map((r) => r.metrics()));
    res.type(Registry.PROMETHEUS_CONTENT_TYPE).send(texts.join('\n'));
  });
  return router;
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Stack } from '@authbus/local';
import { startTestStack } from '@authbus/test-support';
import { INFRA } from './support/paths';
import { exposedSeriesNames, promqlMetricNames } from './support/promql';

/** The parts of a Grafana dashboard the checks read. */
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  templating: { list: Array<{ name: string; type: string; query?: string | { query: string }; datasource?: { uid: string } }> };
  panels: Panel[];
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ refId: string; expr: string; datasource?: { uid: string } }>;
}

const FILE = join(INFRA, 'grafana', 'authbus-dashboard.json');
const dashboard = JSON.parse(readFileSync(FILE, 'utf8')) as Dashboard;
const graphs = dashboard.panels.filter((p) => p.type !== 'row');

/** Every PromQL expression of the dashboard: the panels' targets and the variables' queries. */
function expressions(d: Dashboard): string[] {
  const variableQueries = d.templating.list
    .filter((v) => v.type === 'query')
    .map((v) => (typeof v.query === 'string' ? v.query : (v.query?.query ?? '')))
    // label_values(<series selector>, label): the selector is PromQL.
    .map((q) => /^label_values\((.*),\s*\w+\)$/.exec(q)?.[1] ?? q);
  return [...d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...variableQueries];
}

/** Metric names the dashboard reads that none of these series names is. */
function unknownMetrics(d: Dashboard, exposed: ReadonlySet<string>): string[] {
  return [...new Set(expressions(d).flatMap(promqlMetricNames))].filter((name) => !exposed.has(name)).sort();
}

describe('infra/grafana/authbus-dashboard.json', () => {
  it('is a dashboard whose panels have unique ids, fit the 24-column grid, and query the datasource variable', () => {
    expect(dashboard.uid).toBe('authbus-revocation');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const datasource = dashboard.templating.list.find((v) => v.type === 'datasource');
    expect(datasource).toMatchObject({ name: 'datasource', query: 'prometheus' });
    for (const p of dashboard.panels) {
      expect({ panel: p.title, fits: p.gridPos.x >= 0 && p.gridPos.w > 0 && p.gridPos.x + p.gridPos.w <= 24 && p.gridPos.h > 0 }).toEqual({ panel: p.title, fits: true });
    }
    for (const p of graphs) {
      expect({ panel: p.title, datasource: p.datasource?.uid }).toEqual({ panel: p.title, datasource: '${datasource}' });
      expect({ panel: p.title, targets: (p.targets ?? []).length > 0 }).toEqual({ panel: p.title, targets: true });
      const refIds = (p.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
    }
  });

  it('has the panels operators need: propagation, staleness, 503s from staleness, set size, the outbox, fenced revocations, the token cache', () => {
    const reads = (metric: string) => graphs.filter((p) => (p.targets ?? []).some((t) => promqlMetricNames(t.expr).includes(metric))).map((p) => p.title);
    for (const metric of [
      'authbus_revocation_propagation_seconds_bucket',
      'authbus_revocation_feed_staleness_seconds',
      'authbus_revocation_entries',
      'authbus_outbox_backlog',
      'authbus_outbox_oldest_age_seconds',
      'authbus_auth_revocations_fenced',
      'authbus_token_cache_hits_total',
      'authbus_token_cache_misses_total',
    ])
      expect({ metric, panels: reads(metric).length > 0 }).toEqual({ metric, panels: true });
    const staleRefusals = graphs.flatMap((p) => p.targets ?? []).filter((t) => t.expr.includes('authbus_auth_failures_total') && t.expr.includes('ERR_FEED_STALE'));
    expect(staleRefusals).toHaveLength(1);
  });

  it('reads metric names from PromQL as the checks below need (functions, labels, ranges and keywords are not metrics)', () => {
    expect(
      promqlMetricNames('histogram_quantile(0.99, sum by (le, source) (rate(a_seconds_bucket{namespace="$namespace", code=~"x|y"}[$__rate_interval])))'),
    ).toEqual(['a_seconds_bucket']);
    expect(promqlMetricNames('sum(rate(a_total[5m])) / (sum without (pod) (b) + count(c == 0)) and on (pod) d offset 5m')).toEqual(['a_total', 'b', 'c', 'd']);
  });

  describe('against what the services expose', () => {
    let stack: Stack | undefined;
    let exposed: Set<string>;

    beforeAll(async () => {
      stack = await startTestStack({ ticketsReplicas: 1, client: true });
      const urls = [stack.auth.url, stack.tickets[0]!.url, stack.client!.url];
      const texts = await Promise.all(urls.map(async (url) => (await fetch(`${url}/metrics`)).text()));
      exposed = new Set(texts.flatMap(exposedSeriesNames));
    }, 120_000);

    afterAll(async () => {
      await stack?.stop();
    });

    it("every metric the dashboard reads is one auth's, tickets' or the client's /metrics exposes (their registries, as built)", () => {
      // The kit's, auth's and the HTTP metrics are there, so an empty list means something.
      for (const name of ['authbus_revocation_propagation_seconds_bucket', 'authbus_outbox_backlog', 'http_request_duration_seconds_count']) expect(exposed.has(name)).toBe(true);
      expect(unknownMetrics(dashboard, exposed)).toEqual([]);
    });

    it('a misspelt metric in a panel is caught', () => {
      const broken = structuredClone(dashboard);
      const target = broken.panels.find((p) => p.title === 'Outbox backlog')!.targets![0]!;
      target.expr = target.expr.replace('authbus_outbox_backlog', 'authbus_outbox_backlogs');
      expect(unknownMetrics(broken, exposed)).toEqual(['authbus_outbox_backlogs']);
    });
  });
});

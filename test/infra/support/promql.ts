/** PromQL keywords and aggregation operators: words of an expression that are not metric names. */
const NOT_METRICS = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset',
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile',
]);

/**
 * The metric names a PromQL expression reads: every identifier that is not a function (followed by
 * `(`), an aggregation or keyword, a label (inside `{…}` or a `by`/`without`/`on`/`ignoring` list),
 * a string, a range, a duration or a variable. Enough for the dashboard's expressions, not a full parser.
 */
export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1 ')
    .replace(/\$\w+/g, ' ');
  const names = [...stripped.matchAll(/(?<![\w.])[A-Za-z_:][A-Za-z0-9_:]*/g)]
    .filter((m) => !/^\s*\(/.test(stripped.slice(m.index + m[0].length)))
    .map((m) => m[0])
    .filter((word) => !NOT_METRICS.has(word));
  return [...new Set(names)];
}

/**
 * The series names a Prometheus text exposition offers: each `# TYPE` line's metric, with the
 * `_bucket`, `_sum` and `_count` series of a histogram (`_sum`, `_count` of a summary).
 */
export function exposedSeriesNames(text: string): string[] {
  return [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) => {
    if (type === 'histogram') return [name!, `${name}_bucket`, `${name}_sum`, `${name}_count`];
    if (type === 'summary') return [name!, `${name}_sum`, `${name}_count`];
    return [name!];
  });
}

import { THROUGHPUT_CASES } from '../throughput/cases';
import type { BenchResults } from './results';

const FONT = 'font-family="Helvetica, Arial, sans-serif"';

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/** Horizontal bars: requests per second per case. */
export function throughputSvg(r: BenchResults): string {
  const width = 760;
  const barArea = 360;
  const rowHeight = 34;
  const max = Math.max(...THROUGHPUT_CASES.map((c) => r.throughput.rps[c]));
  const rows = THROUGHPUT_CASES.map((c, i) => {
    const y = 40 + i * rowHeight;
    const w = (r.throughput.rps[c] / max) * barArea;
    const color = c.startsWith('authbus') ? '#2b7bb9' : c.startsWith('auth') ? '#5a9e6f' : '#9aa5b1';
    return [
      `<text x="190" y="${y + 17}" text-anchor="end" ${FONT} font-size="13">${escape(c)}</text>`,
      `<rect x="200" y="${y}" width="${w.toFixed(1)}" height="24" fill="${color}"/>`,
      `<text x="${(206 + w).toFixed(1)}" y="${y + 17}" ${FONT} font-size="12">${Math.round(r.throughput.rps[c]).toLocaleString('en')} req/s (${r.throughput.ratioToNone[c].toFixed(2)}×)</text>`,
    ].join('');
  });
  const height = 50 + THROUGHPUT_CASES.length * rowHeight;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="white"/><text x="10" y="22" ${FONT} font-size="15" font-weight="bold">Requests per second on one protected route (higher is better)</text>${rows.join('')}</svg>\n`;
}

/** Histogram of propagation times (sign-out response → refused by every instance). */
export function propagationSvg(samplesMs: readonly number[], instances: number): string {
  const width = 640;
  const height = 260;
  const clamped = samplesMs.map((s) => Math.max(0, s));
  const bucketMs = 0.5;
  const top = Math.max(2, Math.ceil(Math.max(...clamped) / bucketMs) * bucketMs);
  const buckets = new Array<number>(Math.round(top / bucketMs)).fill(0);
  for (const s of clamped) buckets[Math.min(buckets.length - 1, Math.floor(s / bucketMs))]!++;
  const most = Math.max(...buckets);
  const plotW = width - 80;
  const plotH = height - 80;
  const barW = plotW / buckets.length;
  const bars = buckets
    .map((count, i) => {
      const h = (count / most) * plotH;
      return `<rect x="${(50 + i * barW).toFixed(1)}" y="${(40 + plotH - h).toFixed(1)}" width="${Math.max(1, barW - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="#2b7bb9"/>`;
    })
    .join('');
  const ticks = [0, top / 2, top]
    .map(
      (t) =>
        `<text x="${(50 + (t / top) * plotW).toFixed(1)}" y="${height - 22}" text-anchor="middle" ${FONT} font-size="12">${t.toFixed(1)} ms</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="white"/><text x="10" y="22" ${FONT} font-size="15" font-weight="bold">Sign-out response → refused by all ${instances} instances (${clamped.length} sign-outs, 0.5 ms bins)</text><line x1="50" y1="${40 + plotH}" x2="${50 + plotW}" y2="${40 + plotH}" stroke="#333"/>${bars}${ticks}</svg>\n`;
}

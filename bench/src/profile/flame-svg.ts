/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) a flame graph needs. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  samples: number[];
  timeDeltas: number[];
}

interface Frame {
  name: string;
  self: number;
  total: number;
  children: Frame[];
}

const WIDTH = 1200;
const ROW = 16;
const FONT = 'font-family="Menlo, Consolas, monospace" font-size="10"';

/**
 * A flame graph (root at the bottom, callers below callees, width = share of samples) of a
 * `.cpuprofile`, as a self-contained SVG with a tooltip per frame. Idle and GC stay in, so the
 * picture shows where the process's time went, not only the JavaScript's.
 */
export function flameGraphSvg(profile: CpuProfile, title: string, minShare = 0.002): string {
  const root = buildTree(profile);
  const depth = maxDepth(root, root.total * minShare);
  const height = (depth + 2) * ROW + 30;
  const parts: string[] = [];
  const draw = (frame: Frame, x: number, level: number): void => {
    const w = (frame.total / root.total) * WIDTH;
    if (frame.total < root.total * minShare) return;
    const y = height - (level + 1) * ROW - 4;
    const share = ((frame.total / root.total) * 100).toFixed(1);
    const label = `${frame.name} (${share}%, self ${((frame.self / root.total) * 100).toFixed(1)}%)`;
    parts.push(
      `<g><title>${escape(label)}</title><rect x="${x.toFixed(2)}" y="${y}" width="${Math.max(0.5, w - 0.5).toFixed(2)}" height="${ROW - 1}" fill="${color(frame.name)}"/>` +
        (w > 40
          ? `<text x="${(x + 3).toFixed(2)}" y="${y + 11}" ${FONT}>${escape(fit(`${frame.name} ${share}%`, w))}</text>`
          : '') +
        '</g>',
    );
    let childX = x;
    for (const child of frame.children.sort((a, b) => a.name.localeCompare(b.name))) {
      draw(child, childX, level + 1);
      childX += (child.total / root.total) * WIDTH;
    }
  };
  draw(root, 0, 0);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}"><rect width="100%" height="100%" fill="white"/><text x="6" y="18" font-family="Helvetica, Arial, sans-serif" font-size="14" font-weight="bold">${escape(title)}</text>${parts.join('')}</svg>\n`;
}

function buildTree(profile: CpuProfile): Frame {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const time = new Map<number, number>();
  profile.samples.forEach((id, i) => time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const build = (id: number): Frame => {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url === '' ? '' : ` ${shortUrl(url)}:${lineNumber + 1}`;
    const children = mergeSameName((node.children ?? []).map(build));
    const self = time.get(id) ?? 0;
    return { name: `${functionName || '(anonymous)'}${file}`, self, total: self + sum(children), children };
  };
  return build(profile.nodes[0]!.id);
}

/** Siblings with the same name (the same function reached twice) drawn as one. */
function mergeSameName(frames: Frame[]): Frame[] {
  const merged = new Map<string, Frame>();
  for (const f of frames) {
    const known = merged.get(f.name);
    if (!known) merged.set(f.name, f);
    else {
      known.self += f.self;
      known.total += f.total;
      known.children = mergeSameName([...known.children, ...f.children]);
    }
  }
  return [...merged.values()];
}

function sum(frames: Frame[]): number {
  return frames.reduce((s, f) => s + f.total, 0);
}

function maxDepth(frame: Frame, min: number): number {
  if (frame.total < min) return 0;
  return 1 + Math.max(0, ...frame.children.map((c) => maxDepth(c, min)));
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const parts = url.replace(/^file:\/\//, '').split('/');
  return parts.slice(-3).join('/');
}

function color(name: string): string {
  if (name.startsWith('(garbage collector)')) return '#c9a0dc';
  if (name.startsWith('(idle)') || name.startsWith('(program)')) return '#d0d0d0';
  if (name.includes('@authbus') || name.includes('common/dist')) return '#6fa8dc';
  if (name.includes('node:') || !name.includes(' ')) return '#f6b26b';
  return '#f9cb9c';
}

function fit(text: string, width: number): string {
  const chars = Math.floor((width - 6) / 6);
  return text.length <= chars ? text : `${text.slice(0, Math.max(0, chars - 1))}…`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

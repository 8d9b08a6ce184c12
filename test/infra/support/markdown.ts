/** The text of a Markdown section, from its heading to the next heading of the same or a higher level. */
export function markdownSection(markdown: string, heading: string): string {
  const lines = markdown.split(/\r?\n/);
  // Heading level of each line, 0 for text and for lines inside code fences (# is a shell comment there).
  let inFence = false;
  const levels = lines.map((line) => {
    if (/^\s*```/.test(line)) inFence = !inFence;
    const m = /^(#+)\s+(.*)$/.exec(line);
    return !inFence && m ? m[1]!.length : 0;
  });
  const start = lines.findIndex((line, i) => levels[i]! > 0 && line.replace(/^#+\s+/, '').trim() === heading);
  if (start < 0) throw new Error(`no Markdown heading "${heading}"`);
  const next = levels.findIndex((level, i) => i > start && level > 0 && level <= levels[start]!);
  return lines.slice(start, next < 0 ? lines.length : next).join('\n');
}

/** The contents of the fenced code blocks of a Markdown text. */
export function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^\s*```[a-z]*\n([\s\S]*?)^\s*```/gm)].map((m) => m[1]!);
}

import { existsSync, readFileSync } from 'node:fs';
import { markdownSection } from './markdown';
import { INFRA_README, README } from './paths';

/** A Secret some instructions create: its name and the keys it gets. */
export interface SecretSpec {
  name: string;
  keys: string[];
}

/**
 * Every `kubectl create secret generic NAME --from-literal=KEY=… --from-file=KEY=…` command in a
 * text (a README's code blocks), with backslash-continued lines joined.
 */
export function secretCommands(text: string): SecretSpec[] {
  const joined = text.replace(/\\\r?\n/g, ' ');
  const specs: SecretSpec[] = [];
  for (const line of joined.split(/\r?\n/)) {
    const m = /kubectl\s+create\s+secret\s+generic\s+([a-z0-9][-a-z0-9.]*)/.exec(line);
    if (!m) continue;
    const keys = [...line.matchAll(/--from-(?:literal|file)=["']?([^=\s"']+)=/g)].map((k) => k[1]!);
    specs.push({ name: m[1]!, keys });
  }
  return specs;
}

/**
 * The "Secrets" part of the Kubernetes docs: from README.md's "Kubernetes" section once it has been
 * merged there, else from infra/README.md, where it is written first.
 */
export function secretsSection(): string {
  const readme = existsSync(README) ? readFileSync(README, 'utf8') : '';
  try {
    const section = markdownSection(markdownSection(readme, 'Kubernetes'), 'Secrets');
    if (section.includes('kubectl create secret')) return section;
  } catch {
    // Not merged into README.md (yet).
  }
  return markdownSection(readFileSync(INFRA_README, 'utf8'), 'Secrets');
}

/** The Secrets that the docs' "Secrets" section tells users to create. */
export function documentedSecrets(): SecretSpec[] {
  return secretCommands(secretsSection());
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where tests leave files for a reader (ignored by git). */
export const ARTIFACTS = resolve(__dirname, '..', '..', '..', 'test-artifacts');

/** Write a test artifact (JSON or text) under test-artifacts/. */
export function writeArtifact(name: string, content: unknown): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, name);
  writeFileSync(file, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  return file;
}

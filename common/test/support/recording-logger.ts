import type { Logger } from '../../src/logging/logger';

/** A logger that keeps the messages of its warnings, for tests that check what was said. */
export function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_fields, message) => void warnings.push(message ?? ''),
    error: () => undefined,
    child: () => logger,
  };
  return { logger, warnings };
}

import pino from 'pino';

/** The logging calls authbus makes: one JSON line each (pino-compatible, so pass your pino logger). */
export interface Logger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
  child(bindings: Record<string, unknown>): Logger;
  /** Whether `level` is written (pino has it): lets hot paths skip building a line that is dropped. */
  isLevelEnabled?(level: 'debug' | 'info' | 'warn' | 'error'): boolean;
}

/** A pino logger writing one JSON line per event to stdout; `LOG_LEVEL` is read by the caller. */
export function createLogger(name: string, level = 'info'): Logger {
  return pino({ level, base: { service: name }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** A logger that drops everything (tests that assert on other things, benchmarks). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
  isLevelEnabled: () => false,
};

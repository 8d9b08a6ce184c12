import { AuthbusError } from './authbus-error';

/** Configuration is missing or invalid; raised at start-up so the process fails fast. */
export class ConfigError extends AuthbusError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_CONFIG', message, options);
  }
}

import { AuthbusError } from './authbus-error';

/** An incoming event does not match the authbus event contract. */
export class EventInvalidError extends AuthbusError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_EVENT_INVALID', message, options);
  }
}

import { AuthbusError } from './authbus-error';

/**
 * The revocation mirror in this service's NATS account cannot be trusted to hold every revocation
 * (it mirrors something else, keeps events for less time than the origin, or predates the origin
 * stream it should follow) and could not be replaced. A service keeps reporting not ready until an
 * operator removes it.
 */
export class MirrorUnusableError extends AuthbusError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MIRROR_UNUSABLE', message, options);
  }
}

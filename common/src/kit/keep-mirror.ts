import type { NatsConnection } from 'nats';
import { isAuthbusError } from '../errors/authbus-error';
import { isStreamNotFound } from '../events/auth-stream';
import { ensureRevocationMirror, type RevocationMirrorOptions } from '../events/revocation-mirror';
import type { Logger } from '../logging/logger';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 5000;

/**
 * Make sure the service's revocation mirror exists and is usable before its feed reads it, trying
 * again (backing off to 5 s) while it is not, e.g. because the auth service has not created
 * `AUTH` yet or NATS is unreachable. Each new reason is logged once. Returns once the mirror is
 * usable, or when `stopped()` says the kit is closing.
 */
export async function keepMirror(
  nc: NatsConnection,
  mirror: RevocationMirrorOptions,
  stream: string | undefined,
  logger: Logger,
  stopped: () => boolean,
): Promise<void> {
  let delay = FIRST_RETRY_MS;
  let lastReason: string | undefined;
  while (!stopped()) {
    try {
      const info = await ensureRevocationMirror(nc, {
        ...mirror,
        ...(stream !== undefined ? { stream } : {}),
        onReplaced: (problem) => logger.warn({ problem }, 'revocation mirror could not be trusted: replaced it'),
      });
      const fields = { stream: info.config.name, origin: `${mirror.apiPrefix} AUTH`, messages: info.state.messages };
      logger.info(fields, 'revocation mirror ready');
      return;
    } catch (err) {
      const reason = isStreamNotFound(err) ? 'the auth service has not created AUTH yet' : String(err);
      if (reason !== lastReason) {
        // An unusable mirror needs an operator; the others resolve themselves.
        if (isAuthbusError(err))
          logger.error({ err: reason }, 'revocation mirror unusable; not ready until it is removed');
        else logger.warn({ err: reason }, 'revocation mirror not available yet; waiting');
        lastReason = reason;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, delay).unref());
    delay = Math.min(MAX_RETRY_MS, delay * 2);
  }
}

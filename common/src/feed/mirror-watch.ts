import type { StreamInfo } from 'nats';
import { mirrorPredatesOrigin } from '../events/revocation-mirror';
import type { Logger } from '../logging/logger';
import { streamCurrency } from './mirror-currency';

/**
 * What the heartbeat knows of the stream when it is a mirror (a reader's copy of the auth
 * account's `AUTH`) beyond its own state: as of when it held everything its origin had, and
 * whether the origin was created anew (a mirror cannot follow that: its sequences restart; the
 * mirror is then replaced). For a stream that is not a mirror it changes nothing.
 */
export class MirrorWatch {
  /** `null`: not a mirror. Else when it last had everything its origin had; `undefined` when not known. */
  private currentAt: number | undefined | null = null;
  private problem: string | undefined;
  private replacing: Promise<void> | undefined;

  constructor(
    private readonly stream: string,
    private readonly logger: Logger,
    private readonly replaceMirror: (() => Promise<void>) | undefined,
  ) {}

  /** Keep what the mirror's info says of its origin, and log when that changes. */
  note(info: StreamInfo, probedAt: number): void {
    const currency = streamCurrency(info, probedAt);
    if (!currency.mirror) {
      this.currentAt = null;
      return;
    }
    this.currentAt = currency.currentAt;
    const { problem } = currency;
    if (problem !== this.problem) {
      if (problem) this.logger.warn({ stream: this.stream, problem }, 'revocation mirror is not following its origin');
      else this.logger.info({ stream: this.stream }, 'revocation mirror is following its origin');
      this.problem = problem;
    }
  }

  /** Everything in the stream is applied as of `at`: as of when, then, had the feed everything of the origin? */
  inSyncAsOf(at: number): number | undefined {
    if (this.currentAt === null) return at;
    return this.currentAt === undefined ? undefined : Math.min(at, this.currentAt);
  }

  /**
   * The stream the feed reads is gone. When it is this service's mirror (the feed knows how to
   * replace it), create it again (once at a time): a mirror deleted by hand or lost with a server's
   * store is otherwise never back, as it is only made at start-up.
   */
  missing(): void {
    if (this.replacing || !this.replaceMirror) return;
    this.logger.warn({ stream: this.stream }, 'revocation mirror is missing: creating it again');
    this.replacing = this.replaceMirror()
      .catch((err: unknown) => this.logger.error({ err: String(err) }, 'revocation mirror could not be created again'))
      .finally(() => (this.replacing = undefined));
  }

  /** Is the origin newer than the mirror? Then the mirror is replaced (once at a time), and the feed is not in sync. */
  originWasRecreated(mirror: StreamInfo, origin: StreamInfo): boolean {
    if (!mirrorPredatesOrigin(mirror, origin)) return false;
    if (!this.replacing && this.replaceMirror) {
      this.logger.warn(
        { stream: this.stream, mirrorCreated: mirror.created, originCreated: origin.created },
        'AUTH was created anew: replacing the revocation mirror',
      );
      this.replacing = this.replaceMirror()
        .catch((err: unknown) => this.logger.error({ err: String(err) }, 'revocation mirror could not be replaced'))
        .finally(() => (this.replacing = undefined));
    }
    return true;
  }
}

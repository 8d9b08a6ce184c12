import type { AuthStore } from '../../src/store/auth-store';

type CommitKind = Parameters<AuthStore['commit']>[0]['kind'];

/**
 * A store double for race tests: the next `commit` of a given kind waits until the test releases
 * it, as a MongoDB transaction that takes a while to commit does. Everything else goes straight to
 * the real store underneath.
 */
export class HeldCommitStore {
  private held: { kind: CommitKind; reached: () => void; release: Promise<void> } | undefined;

  /** The wrapped store, with `commit` holdable. */
  readonly store: AuthStore;

  constructor(inner: AuthStore) {
    this.store = new Proxy(inner, {
      get: (target, key, receiver) => {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (key !== 'commit' || typeof value !== 'function')
          return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: Parameters<AuthStore['commit']>) => {
          const hold = this.held;
          if (hold && hold.kind === args[0].kind) {
            this.held = undefined;
            hold.reached();
            await hold.release;
          }
          return (value as AuthStore['commit']).apply(target, args);
        };
      },
    });
  }

  /**
   * Hold the next commit of `kind`. `reached` resolves once a commit is waiting; call `release()`
   * to let it through.
   */
  holdNext(kind: CommitKind): { reached: Promise<void>; release: () => void } {
    let release!: () => void;
    let reached!: () => void;
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    this.held = { kind, reached, release: new Promise<void>((resolve) => (release = resolve)) };
    return { reached: reachedPromise, release };
  }
}

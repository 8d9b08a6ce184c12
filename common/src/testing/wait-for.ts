/** Options for `waitFor`. */
export interface WaitForOptions {
  /** Give up after this long, ms; default 10 000. */
  timeoutMs?: number;
  /** Check this often, ms; default 10. */
  intervalMs?: number;
  /** Says what was awaited, in the timeout error. */
  description?: string;
}

/**
 * Wait until `check` returns something truthy (or a promise of it), and return that. Errors
 * thrown by `check` count as "not yet". Rejects after `timeoutMs` saying what was awaited and
 * the last error seen. Use it instead of sleeping for a fixed time.
 */
export async function waitFor<T>(check: () => T | Promise<T>, options: WaitForOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 10;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why =
        lastError === undefined
          ? ''
          : ` (last error: ${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)})`;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${options.description ?? 'a condition'}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Options for {@link waitFor}. */
export interface WaitOptions {
  /** Give up after this many milliseconds (default 30 s). */
  readonly timeoutMs?: number;
  /** Poll interval in milliseconds (default 50 ms). */
  readonly intervalMs?: number;
  /** Describes what is awaited, for the timeout message. */
  readonly what?: string;
}

/**
 * Polls `probe` until it returns a value other than `undefined`/`false`, and returns that value.
 * Throws with the last error or value when the deadline passes. This is how tests wait: on a
 * condition with a deadline, never on a fixed sleep.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  opts: WaitOptions = {},
): Promise<Exclude<T, undefined | false>> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'} (last: ${detail})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

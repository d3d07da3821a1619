/** Options for {@link KeyedBackoff}. */
export interface BackoffOptions {
  /** First delay in milliseconds (default 5 ms, like client-go's controller rate limiter). */
  readonly baseMs?: number;
  /** Upper bound of the delay in milliseconds (default 1000 s). */
  readonly maxMs?: number;
}

/**
 * Per-key exponential backoff: the n-th consecutive failure of a key waits base * 2^(n-1),
 * capped at max. `forget` resets a key after a success.
 */
export class KeyedBackoff {
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #failures = new Map<string, number>();

  constructor(opts: BackoffOptions = {}) {
    this.#baseMs = opts.baseMs ?? 5;
    this.#maxMs = opts.maxMs ?? 1_000_000;
  }

  /** Records one more failure of `key` and returns how long to wait before retrying it. */
  next(key: string): number {
    const n = this.#failures.get(key) ?? 0;
    this.#failures.set(key, n + 1);
    return backoffDelay(n, this.#baseMs, this.#maxMs);
  }

  /** How many consecutive failures `key` has had. */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }
}

/** The delay after `failures` previous failures: base * 2^failures, capped (overflow-safe). */
export function backoffDelay(failures: number, baseMs: number, maxMs: number): number {
  const exp = Math.min(failures, 60);
  return Math.min(maxMs, baseMs * 2 ** exp);
}

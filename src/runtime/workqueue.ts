import { KeyedBackoff, type BackoffOptions } from './backoff.ts';
import { realClock, type Clock, type TimerHandle } from './clock.ts';

/** Hooks through which a queue reports the controller-runtime `workqueue_*` metrics. */
export interface WorkQueueMetrics {
  depth(n: number): void;
  added(): void;
  /** Seconds a key waited in the queue before a worker took it. */
  queued(seconds: number): void;
  /** Seconds a worker held a key. */
  worked(seconds: number): void;
  retried(): void;
}

/** Options for {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Time source (default: the wall clock). */
  readonly clock?: Clock;
  /** Per-key exponential backoff used by {@link WorkQueue.addRateLimited}. */
  readonly backoff?: BackoffOptions;
  readonly metrics?: WorkQueueMetrics;
}

/**
 * A keyed work queue with client-go semantics:
 * - a key is queued at most once (adds while queued are merged);
 * - a key is held by at most one worker; a key added while held is queued again on `done`;
 * - `addAfter` delays an add (the earliest pending delay wins), `addRateLimited` delays by the
 *   key's exponential backoff, `forget` resets that backoff;
 * - `shutDown` stops accepting keys, wakes idle workers and resolves when held keys are done.
 */
export class WorkQueue {
  readonly #clock: Clock;
  readonly #backoff: KeyedBackoff;
  readonly #metrics: WorkQueueMetrics | undefined;
  readonly #queue: string[] = [];
  readonly #dirty = new Set<string>();
  readonly #processing = new Map<string, number>();
  readonly #addedAt = new Map<string, number>();
  // Delayed adds: the due time of each key, and a heap of (due, key) behind one timer for the
  // earliest (500 appliances resyncing are one timer, not 500). Heap entries whose due time no
  // longer matches the map are stale and skipped.
  readonly #delayed = new Map<string, number>();
  readonly #heap = new DueHeap();
  #timer: { at: number; handle: TimerHandle } | undefined;
  readonly #waiters: ((key: string | undefined) => void)[] = [];
  #shuttingDown = false;
  #drain = false;
  #idle: (() => void)[] = [];

  constructor(opts: WorkQueueOptions = {}) {
    this.#clock = opts.clock ?? realClock;
    this.#backoff = new KeyedBackoff(opts.backoff);
    this.#metrics = opts.metrics;
  }

  /** Number of keys waiting (not counting held or delayed keys). */
  get length(): number {
    return this.#queue.length;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Seconds of work in progress: summed over held keys, and of the longest-held key. */
  unfinishedWork(): { totalSeconds: number; longestSeconds: number } {
    const now = this.#clock.now();
    let total = 0;
    let longest = 0;
    for (const started of this.#processing.values()) {
      const s = (now - started) / 1000;
      total += s;
      longest = Math.max(longest, s);
    }
    return { totalSeconds: total, longestSeconds: longest };
  }

  /** Keys currently held by workers. */
  processing(): string[] {
    return [...this.#processing.keys()];
  }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#metrics?.added();
    this.#dirty.add(key);
    this.#addedAt.set(key, this.#clock.now());
    if (this.#processing.has(key)) return; // re-queued by done()
    this.#push(key);
  }

  /** Adds `key` after `ms` milliseconds. A shorter pending delay for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.#clock.now() + ms;
    const pending = this.#delayed.get(key);
    if (pending !== undefined && pending <= at) return;
    this.#delayed.set(key, at);
    this.#heap.push(at, key);
    this.#arm();
  }

  /** Keeps the one timer set for the earliest delayed add. */
  #arm(): void {
    const next = this.#heap.peek();
    if (next === undefined) {
      if (this.#timer) this.#clock.clearTimeout(this.#timer.handle);
      this.#timer = undefined;
      return;
    }
    if (this.#timer && this.#timer.at <= next.at) return;
    if (this.#timer) this.#clock.clearTimeout(this.#timer.handle);
    this.#timer = {
      at: next.at,
      handle: this.#clock.setTimeout(() => this.#fire(), next.at - this.#clock.now()),
    };
  }

  #fire(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    for (let due = this.#heap.peek(); due !== undefined && due.at <= now; due = this.#heap.peek()) {
      this.#heap.pop();
      if (this.#delayed.get(due.key) !== due.at) continue; // superseded by an earlier add
      this.#delayed.delete(due.key);
      this.add(due.key);
    }
    this.#arm();
  }

  /** Adds `key` after its next backoff delay; returns that delay in milliseconds. */
  addRateLimited(key: string): number {
    const delay = this.#backoff.next(key);
    this.#metrics?.retried();
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the backoff of `key` (call after a successful reconcile). */
  forget(key: string): void {
    this.#backoff.forget(key);
  }

  /** Consecutive failures recorded for `key`. */
  retries(key: string): number {
    return this.#backoff.failures(key);
  }

  /**
   * Waits for the next key and marks it held; the caller must call `done(key)`. Resolves
   * `undefined` once the queue shuts down (after the queued keys, when draining).
   */
  get(): Promise<string | undefined> {
    const key = this.#take();
    if (key !== undefined || this.#closed()) return Promise.resolve(key);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Releases a key taken with `get`; if it was added meanwhile it is queued again. */
  done(key: string): void {
    const started = this.#processing.get(key);
    if (started === undefined) return;
    this.#processing.delete(key);
    this.#metrics?.worked((this.#clock.now() - started) / 1000);
    if (this.#dirty.has(key)) {
      if (!this.#shuttingDown || this.#drain) this.#push(key);
      else this.#dirty.delete(key);
    }
    this.#checkIdle();
  }

  /**
   * Stops accepting keys and cancels delayed adds. With `drain`, workers still receive the keys
   * already queued; without, those are dropped. Resolves when no key is held any more.
   */
  shutDown(opts: { readonly drain?: boolean } = {}): Promise<void> {
    if (!this.#shuttingDown) {
      this.#shuttingDown = true;
      this.#drain = opts.drain ?? false;
      if (this.#timer) this.#clock.clearTimeout(this.#timer.handle);
      this.#timer = undefined;
      this.#delayed.clear();
      this.#heap.clear();
      if (!this.#drain) {
        this.#dirty.clear();
        this.#queue.length = 0;
        this.#metrics?.depth(0);
      }
      this.#wakeIfClosed();
    }
    return new Promise((resolve) => {
      this.#idle.push(resolve);
      this.#checkIdle();
    });
  }

  #push(key: string): void {
    const waiter = this.#waiters.shift();
    this.#queue.push(key);
    this.#metrics?.depth(this.#queue.length);
    if (waiter) waiter(this.#take());
  }

  #take(): string | undefined {
    const key = this.#queue.shift();
    if (key === undefined) return undefined;
    this.#metrics?.depth(this.#queue.length);
    this.#dirty.delete(key);
    const now = this.#clock.now();
    this.#metrics?.queued((now - (this.#addedAt.get(key) ?? now)) / 1000);
    this.#addedAt.delete(key);
    this.#processing.set(key, now);
    return key;
  }

  #closed(): boolean {
    return this.#shuttingDown && this.#queue.length === 0;
  }

  #wakeIfClosed(): void {
    if (!this.#closed()) return;
    for (const w of this.#waiters.splice(0)) w(undefined);
  }

  #checkIdle(): void {
    this.#wakeIfClosed();
    if (this.#shuttingDown && this.#processing.size === 0 && this.#queue.length === 0) {
      for (const r of this.#idle.splice(0)) r();
    }
  }
}

/** A binary min-heap of (due time, key). */
class DueHeap {
  readonly #items: { at: number; key: string }[] = [];

  peek(): { at: number; key: string } | undefined {
    return this.#items[0];
  }

  clear(): void {
    this.#items.length = 0;
  }

  push(at: number, key: string): void {
    const items = this.#items;
    items.push({ at, key });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent];
      const c = items[i];
      if (p === undefined || c === undefined || p.at <= c.at) break;
      items[parent] = c;
      items[i] = p;
      i = parent;
    }
  }

  pop(): void {
    const items = this.#items;
    const last = items.pop();
    if (last === undefined || items.length === 0) return;
    items[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if ((items[l]?.at ?? Infinity) < (items[m]?.at ?? Infinity)) m = l;
      if ((items[r]?.at ?? Infinity) < (items[m]?.at ?? Infinity)) m = r;
      if (m === i) return;
      const a = items[i];
      const b = items[m];
      if (a === undefined || b === undefined) return;
      items[i] = b;
      items[m] = a;
      i = m;
    }
  }
}

import { realClock, type Clock } from './clock.ts';
import { TerminalError, type ControllerDefinition, type ReconcileResult } from './controller.ts';
import { errorMessage } from './errors.ts';
import { silentLogger, type Logger } from './log.ts';
import type { ReconcileOutcome, RuntimeMetrics } from './metrics.ts';
import { splitKey } from './store.ts';
import { WorkQueue } from './workqueue.ts';

/** Options for {@link ControllerRunner}. */
export interface ControllerRunnerOptions {
  readonly definition: ControllerDefinition;
  /** Workers when the definition does not say (default 1). */
  readonly defaultWorkers?: number;
  readonly metrics: RuntimeMetrics;
  readonly log?: Logger;
  readonly clock?: Clock;
}

/**
 * Runs one controller: its work queue and N workers calling reconcile, one key at a time per
 * key, with metrics, backoff on error and `requeueAfterMs`. Independent of informers: whoever
 * owns the watches calls `enqueue`.
 */
export class ControllerRunner {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly workers: number;
  readonly #def: ControllerDefinition;
  readonly #metrics: RuntimeMetrics;
  readonly #log: Logger;
  readonly #clock: Clock;
  #running: Promise<void> | undefined;

  constructor(opts: ControllerRunnerOptions) {
    this.#def = opts.definition;
    this.name = opts.definition.name;
    this.#metrics = opts.metrics;
    this.#clock = opts.clock ?? realClock;
    this.#log = (opts.log ?? silentLogger()).child({ controller: this.name });
    this.workers = Math.max(1, opts.definition.maxConcurrentReconciles ?? opts.defaultWorkers ?? 1);
    this.queue = new WorkQueue({
      clock: this.#clock,
      metrics: opts.metrics.queue(this.name),
      backoff: {
        ...(opts.definition.backoffBaseMs !== undefined ? { baseMs: opts.definition.backoffBaseMs } : {}),
        ...(opts.definition.backoffMaxMs !== undefined ? { maxMs: opts.definition.backoffMaxMs } : {}),
      },
    });
    this.#metrics.observeUnfinishedWork(this.name, () => this.queue.unfinishedWork());
    this.#metrics.maxConcurrentReconciles.set({ controller: this.name }, this.workers);
    this.#metrics.activeWorkers.set({ controller: this.name }, 0);
    // As controller-runtime does: the error counters exist from the start, so that a rate() of
    // them reads 0 (not "no data") until the first error.
    this.#metrics.reconcileErrors.inc({ controller: this.name }, 0);
    this.#metrics.terminalErrors.inc({ controller: this.name }, 0);
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Starts the workers. `signal` is handed to reconcile calls (abort it when leadership is lost). */
  start(signal: AbortSignal): void {
    if (this.#running) return;
    this.#log.info('starting workers', { workers: this.workers });
    this.#running = Promise.all(Array.from({ length: this.workers }, () => this.#worker(signal))).then(() => undefined);
  }

  /** Stops taking keys and resolves when in-flight reconciles have finished. */
  async stop(): Promise<void> {
    await this.queue.shutDown();
    await this.#running;
  }

  async #worker(signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.#reconcileKey(key, signal);
      } finally {
        this.queue.done(key);
      }
    }
  }

  async #reconcileKey(key: string, signal: AbortSignal): Promise<void> {
    const labels = { controller: this.name };
    const log = this.#log.child({ key });
    const started = this.#clock.now();
    this.#metrics.activeWorkers.inc(labels);
    let outcome: ReconcileOutcome;
    try {
      const result: ReconcileResult = (await this.#def.reconcile(splitKey(key), { log, signal })) ?? {};
      if (result.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
        this.queue.forget(key);
        this.queue.addAfter(key, result.requeueAfterMs);
        outcome = 'requeue_after';
      } else if (result.requeue === true) {
        this.queue.addRateLimited(key);
        outcome = 'requeue';
      } else {
        this.queue.forget(key);
        outcome = 'success';
      }
    } catch (err) {
      outcome = 'error';
      this.#metrics.reconcileErrors.inc(labels);
      if (err instanceof TerminalError) {
        this.#metrics.terminalErrors.inc(labels);
        this.queue.forget(key);
        log.error('reconcile failed permanently', { error: errorMessage(err) });
      } else {
        const delay = this.queue.addRateLimited(key);
        log.error('reconcile failed', { error: errorMessage(err), retryInMs: delay });
      }
    } finally {
      this.#metrics.activeWorkers.dec(labels);
    }
    this.#metrics.reconcileTotal.inc({ ...labels, result: outcome });
    this.#metrics.reconcileTime.observe(labels, (this.#clock.now() - started) / 1000);
  }
}

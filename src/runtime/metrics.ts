// Metrics under controller-runtime's names and labels, so that existing controller-runtime
// dashboards and alerts work unchanged for this operator.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WorkQueueMetrics } from './workqueue.ts';

/** controller-runtime's reconcile_time_seconds buckets. */
const RECONCILE_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75,
  2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
/** client-go's workqueue buckets: 10 ns to 10 s, ×10. */
const QUEUE_BUCKETS = Array.from({ length: 10 }, (_, i) => 1e-8 * 10 ** i);

/** Outcome label values of controller_runtime_reconcile_total. */
export type ReconcileOutcome = 'success' | 'error' | 'requeue' | 'requeue_after';

/** The operator's metrics, registered on one registry. */
export class RuntimeMetrics {
  readonly registry: Registry;
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly terminalErrors: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly activeWorkers: Gauge<'controller'>;
  readonly maxConcurrentReconciles: Gauge<'controller'>;
  readonly leaderStatus: Gauge<'name'>;
  /** client-go's rest_client_requests_total, with the resource: what the operator costs the API server. */
  readonly restRequests: Counter<'code' | 'method' | 'resource'>;
  readonly #depth: Gauge<'name' | 'controller'>;
  readonly #adds: Counter<'name' | 'controller'>;
  readonly #queueDuration: Histogram<'name' | 'controller'>;
  readonly #workDuration: Histogram<'name' | 'controller'>;
  readonly #retries: Counter<'name' | 'controller'>;
  readonly #unfinished = new Map<string, () => { totalSeconds: number; longestSeconds: number }>();

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.reconcileTotal = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    });
    this.terminalErrors = new Counter({
      name: 'controller_runtime_terminal_reconcile_errors_total',
      help: 'Total number of terminal reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: RECONCILE_BUCKETS,
      registers,
    });
    this.activeWorkers = new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller',
      labelNames: ['controller'],
      registers,
    });
    this.maxConcurrentReconciles = new Gauge({
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames: ['controller'],
      registers,
    });
    this.leaderStatus = new Gauge({
      name: 'leader_election_master_status',
      help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease.",
      labelNames: ['name'],
      registers,
    });
    const q = ['name', 'controller'] as const;
    this.restRequests = new Counter({
      name: 'rest_client_requests_total',
      help: 'Number of HTTP requests, partitioned by status code, method and resource',
      labelNames: ['code', 'method', 'resource'],
      registers,
    });
    this.#depth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: q, registers });
    this.#adds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames: q,
      registers,
    });
    this.#queueDuration = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: q,
      buckets: QUEUE_BUCKETS,
      registers,
    });
    this.#workDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes',
      labelNames: q,
      buckets: QUEUE_BUCKETS,
      registers,
    });
    this.#retries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: q,
      registers,
    });
    // Computed at scrape time from the queues' in-flight keys, like client-go's periodic update.
    const unfinished = this.#unfinished;
    new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration.",
      labelNames: q,
      registers,
      collect() {
        for (const [name, read] of unfinished) this.set({ name, controller: name }, read().totalSeconds);
      },
    });
    new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running.',
      labelNames: q,
      registers,
      collect() {
        for (const [name, read] of unfinished) this.set({ name, controller: name }, read().longestSeconds);
      },
    });
  }

  /** Reports a queue's in-progress work (the two gauges above) for controller `name`. */
  observeUnfinishedWork(name: string, read: () => { totalSeconds: number; longestSeconds: number }): void {
    this.#unfinished.set(name, read);
  }

  /** The workqueue metric hooks of controller `name` (labels name and controller are both set to it). */
  queue(name: string): WorkQueueMetrics {
    const labels = { name, controller: name };
    this.#depth.set(labels, 0);
    return {
      depth: (n) => this.#depth.set(labels, n),
      added: () => this.#adds.inc(labels),
      queued: (s) => this.#queueDuration.observe(labels, s),
      worked: (s) => this.#workDuration.observe(labels, s),
      retried: () => this.#retries.inc(labels),
    };
  }
}

// Prometheus metrics of maintenances: how many plans are in each phase now, how long each phase
// took, the measured downtime, and how many bytes the data sync carried.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { PHASES, type MaintenancePlan, type MaintenancePlanStatus, type Phase } from '../../api/v1alpha1/index.ts';
import { stepOf } from './phases.ts';

const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400];
const DOWNTIME_BUCKETS = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];

export class PlanMetrics {
  readonly #phaseSeconds: Histogram<'phase'>;
  readonly #transitions: Counter<'from' | 'to'>;
  readonly #downtime: Histogram;
  readonly #syncedBytes: Counter;

  /** `plans` lists the cached plans: the phase gauge counts them at each scrape. */
  constructor(registry: Registry, plans: () => readonly Pick<MaintenancePlan, 'status'>[] = () => []) {
    const registers = [registry];
    new Gauge({
      name: 'vapp_maintenance_plans',
      help: 'MaintenancePlans by phase (every phase listed, 0 included)',
      labelNames: ['phase'],
      registers,
      collect() {
        const counts = new Map<Phase, number>(PHASES.map((p) => [p, 0]));
        for (const plan of plans()) {
          const phase = plan.status?.phase ?? 'Pending';
          counts.set(phase, (counts.get(phase) ?? 0) + 1);
        }
        for (const [phase, n] of counts) this.set({ phase }, n);
      },
    });
    this.#phaseSeconds = new Histogram({
      name: 'vapp_maintenance_phase_duration_seconds',
      help: 'Time a MaintenancePlan spent in a phase',
      labelNames: ['phase'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.#transitions = new Counter({
      name: 'vapp_maintenance_phase_transitions_total',
      help: 'Phase changes of MaintenancePlans',
      labelNames: ['from', 'to'],
      registers,
    });
    this.#downtime = new Histogram({
      name: 'vapp_maintenance_downtime_seconds',
      help: 'Measured downtime of cut-overs: original stopped to Services on the ready clone',
      buckets: DOWNTIME_BUCKETS,
      registers,
    });
    this.#syncedBytes = new Counter({
      name: 'vapp_maintenance_synced_bytes_total',
      help: 'Bytes written to replicas by data delta sync rounds',
      registers,
    });
  }

  /** A phase change: the phase's duration (from its step's start), downtime and bytes once known. */
  phaseChanged(
    from: Phase,
    to: Phase,
    before: MaintenancePlanStatus | undefined,
    after: MaintenancePlanStatus,
    now: Date,
  ): void {
    this.#transitions.inc({ from, to });
    const started = after.steps.find((s) => s.name === stepOf(from))?.startedAt;
    if (started !== undefined)
      this.#phaseSeconds.observe({ phase: from }, Math.max(0, (now.getTime() - Date.parse(started)) / 1000));
    if (from === 'CuttingOver' && after.downtimeSeconds !== undefined) this.#downtime.observe(after.downtimeSeconds);
  }

  /** Rounds recorded in this pass. */
  roundsRecorded(before: MaintenancePlanStatus | undefined, after: MaintenancePlanStatus): void {
    const known = new Set((before?.syncRounds ?? []).map((r) => r.round));
    for (const r of after.syncRounds) if (!known.has(r.round)) this.#syncedBytes.inc(r.bytes);
  }
}

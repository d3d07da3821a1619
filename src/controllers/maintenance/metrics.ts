// Prometheus metrics of maintenances: how many plans are in each phase now, how long each phase
// took, the measured downtime, and how many bytes the data sync carried; and per-plan series read
// from the cached plans at each scrape (phase, since when, its deadline, downtime against budget).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import {
  PHASES,
  TERMINAL_PHASES,
  type MaintenancePlan,
  type MaintenancePlanStatus,
  type Phase,
} from '../../api/v1alpha1/index.ts';
import { DEFAULT_STEP_TIMEOUT_MS } from './options.ts';
import { stepOf } from './phases.ts';

const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400];
const DOWNTIME_BUCKETS = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];

export class PlanMetrics {
  readonly #phaseSeconds: Histogram<'phase'>;
  readonly #transitions: Counter<'from' | 'to'>;
  readonly #downtime: Histogram;
  readonly #downtimeParts: Histogram<'part'>;
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
    this.#downtimeParts = new Histogram({
      name: 'vapp_maintenance_downtime_part_seconds',
      help: 'Where the downtime of cut-overs went: stopOriginal, finalDelta, startClone, ready, switchServices (status.cutOver.downtime)',
      labelNames: ['part'],
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
    const parts = after.cutOver?.downtime;
    if (from === 'CuttingOver' && parts !== undefined)
      for (const [part, value] of Object.entries(parts)) this.#downtimeParts.observe({ part }, value);
  }

  /** Rounds recorded in this pass. */
  roundsRecorded(before: MaintenancePlanStatus | undefined, after: MaintenancePlanStatus): void {
    const known = new Set((before?.syncRounds ?? []).map((r) => r.round));
    for (const r of after.syncRounds) if (!known.has(r.round)) this.#syncedBytes.inc(r.bytes);
  }
}

/** The fields of a cached plan (raw, as the API server serves it) that the per-plan series read. */
export interface PlanSnapshot {
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly creationTimestamp?: string };
  readonly spec: {
    readonly appliance?: string;
    readonly verify?: { readonly timeoutSeconds?: number };
    readonly dataSync?: { readonly maxRounds?: number; readonly downtimeBudgetSeconds?: number };
    readonly rollback?: { readonly observeSeconds?: number };
  };
  readonly status?: {
    readonly phase?: Phase;
    readonly steps?: readonly {
      readonly name: string;
      readonly state?: string;
      readonly startedAt?: string;
      readonly finishedAt?: string;
    }[];
    readonly syncRounds?: readonly { readonly round: number; readonly bytes: number }[];
    readonly downtimeSeconds?: number;
    readonly cutOver?: { readonly downtime?: Readonly<Record<string, number>> };
    /** The typed cleanup of newer operators; older ones keep it in a Running Cleanup step. */
    readonly cleanup?: { readonly startedAt?: string };
    readonly conditions?: readonly { readonly type: string; readonly status: string; readonly reason?: string }[];
  };
}

/** One sample of a per-plan gauge. */
export interface PlanSample {
  readonly metric:
    | 'vapp_maintenance_plan_phase'
    | 'vapp_maintenance_plan_phase_started_timestamp_seconds'
    | 'vapp_maintenance_plan_phase_timeout_seconds'
    | 'vapp_maintenance_plan_downtime_seconds'
    | 'vapp_maintenance_plan_downtime_budget_seconds'
    | 'vapp_maintenance_plan_downtime_part_seconds'
    | 'vapp_maintenance_plan_sync_round_bytes';
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Phases in which the plan waits on purpose (a person, the clock, another plan, its rollout): no deadline. */
const WAITING_PHASES: readonly Phase[] = ['Pending', 'AwaitingApproval', 'WaitingForWindow', 'WaitingForCutOverSlot'];

const seconds = (timestamp: string | undefined) => {
  const ms = timestamp === undefined ? Number.NaN : Date.parse(timestamp);
  return Number.isNaN(ms) ? undefined : ms / 1000;
};

/**
 * The series of one plan, computed from its status at scrape time (pure): its phase, when it
 * entered it, how long that phase may take before it counts as stuck, its measured downtime
 * against its budget, and the bytes of each sync round. `stepTimeoutSeconds` is --step-timeout.
 */
export function planSamples(plan: PlanSnapshot, stepTimeoutSeconds: number): PlanSample[] {
  const status = plan.status;
  const phase: Phase = status?.phase ?? 'Pending';
  const id = {
    namespace: plan.metadata.namespace ?? '',
    name: plan.metadata.name ?? '',
    appliance: plan.spec.appliance ?? '',
  };
  const withPhase = { ...id, phase };
  const steps = status?.steps ?? [];
  const step = (name: string | undefined) => steps.find((s) => s.name === name);
  const cleanupStep = steps.find((s) => s.name === 'Cleanup' && s.state === 'Running');
  const cleaning = status?.cleanup !== undefined || cleanupStep !== undefined;

  const out: PlanSample[] = [{ metric: 'vapp_maintenance_plan_phase', labels: withPhase, value: 1 }];
  const started = cleaning
    ? seconds(status?.cleanup?.startedAt ?? cleanupStep?.startedAt)
    : phase === 'Pending'
      ? seconds(plan.metadata.creationTimestamp)
      : // The waits before the cut-over start when the sync ends (a wait for a slot after one
        // for the window reports the first).
        phase === 'WaitingForWindow' || phase === 'WaitingForCutOverSlot'
        ? seconds(step('Sync')?.finishedAt)
        : TERMINAL_PHASES.includes(phase)
          ? Math.max(
              ...steps
                .filter((s) => s.name !== 'Release')
                .map((s) => seconds(s.finishedAt) ?? Number.NEGATIVE_INFINITY),
            )
          : seconds(step(stepOf(phase))?.startedAt);
  if (started !== undefined && Number.isFinite(started))
    out.push({ metric: 'vapp_maintenance_plan_phase_started_timestamp_seconds', labels: withPhase, value: started });

  const suspended = status?.conditions?.some((c) => c.type === 'Ready' && c.reason === 'Suspended') === true;
  if (!suspended && !WAITING_PHASES.includes(phase) && !TERMINAL_PHASES.includes(phase)) {
    // How long the operator itself lets the phase run before it fails it (or, for a copy under
    // way, never cuts it short): past this, the plan is stuck.
    const timeout = cleaning
      ? stepTimeoutSeconds
      : phase === 'Verifying'
        ? stepTimeoutSeconds + (plan.spec.verify?.timeoutSeconds ?? 900)
        : phase === 'Syncing'
          ? stepTimeoutSeconds * (plan.spec.dataSync?.maxRounds ?? 5)
          : phase === 'Observing'
            ? stepTimeoutSeconds + (plan.spec.rollback?.observeSeconds ?? 600)
            : stepTimeoutSeconds;
    out.push({ metric: 'vapp_maintenance_plan_phase_timeout_seconds', labels: withPhase, value: timeout });
  }

  out.push({
    metric: 'vapp_maintenance_plan_downtime_budget_seconds',
    labels: id,
    value: plan.spec.dataSync?.downtimeBudgetSeconds ?? 60,
  });
  if (status?.downtimeSeconds !== undefined)
    out.push({ metric: 'vapp_maintenance_plan_downtime_seconds', labels: id, value: status.downtimeSeconds });
  for (const [part, value] of Object.entries(status?.cutOver?.downtime ?? {}))
    out.push({ metric: 'vapp_maintenance_plan_downtime_part_seconds', labels: { ...id, part }, value });
  for (const r of status?.syncRounds ?? [])
    out.push({
      metric: 'vapp_maintenance_plan_sync_round_bytes',
      labels: { ...id, round: String(r.round) },
      value: r.bytes,
    });
  return out;
}

const PLAN_GAUGES: Readonly<Record<PlanSample['metric'], { help: string; labels: readonly string[] }>> = {
  vapp_maintenance_plan_phase: {
    help: 'The phase a MaintenancePlan is in (1; one series per plan, labelled with the phase)',
    labels: ['namespace', 'name', 'appliance', 'phase'],
  },
  vapp_maintenance_plan_phase_started_timestamp_seconds: {
    help: 'When the plan entered its current phase (Unix seconds, from its steps)',
    labels: ['namespace', 'name', 'appliance', 'phase'],
  },
  vapp_maintenance_plan_phase_timeout_seconds: {
    help: 'How long the current phase may take before the plan counts as stuck (absent while it waits on purpose or has ended)',
    labels: ['namespace', 'name', 'appliance', 'phase'],
  },
  vapp_maintenance_plan_downtime_seconds: {
    help: "The plan's measured cut-over downtime (status.downtimeSeconds)",
    labels: ['namespace', 'name', 'appliance'],
  },
  vapp_maintenance_plan_downtime_budget_seconds: {
    help: "The plan's downtime budget (spec.dataSync.downtimeBudgetSeconds)",
    labels: ['namespace', 'name', 'appliance'],
  },
  vapp_maintenance_plan_downtime_part_seconds: {
    help: "Where the plan's downtime went (status.cutOver.downtime): stopOriginal, finalDelta, startClone, ready, switchServices",
    labels: ['namespace', 'name', 'appliance', 'part'],
  },
  vapp_maintenance_plan_sync_round_bytes: {
    help: 'Bytes each sync round of the plan wrote to the replicas (status.syncRounds)',
    labels: ['namespace', 'name', 'appliance', 'round'],
  },
};

/**
 * Per-plan gauges, computed from the cached plans at each scrape: a deleted plan's series go with
 * it. Plans are few (one active per appliance, kept until deleted), so per-plan labels stay cheap.
 */
export function registerPlanStatusMetrics(
  registry: Registry,
  plans: () => readonly PlanSnapshot[],
  opts: { readonly stepTimeoutMs?: number } = {},
): void {
  const stepTimeoutSeconds = (opts.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS) / 1000;
  for (const [metric, { help, labels }] of Object.entries(PLAN_GAUGES)) {
    new Gauge({
      name: metric,
      help,
      labelNames: labels,
      registers: [registry],
      collect() {
        this.reset();
        for (const plan of plans())
          for (const s of planSamples(plan, stepTimeoutSeconds)) if (s.metric === metric) this.set(s.labels, s.value);
      },
    });
  }
}

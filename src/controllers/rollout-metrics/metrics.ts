// Prometheus metrics of fleet rollouts, computed from the cached MaintenanceRollouts at each scrape
// (as the per-plan and per-appliance series are): the phase, the revision, the counts of the
// selected appliances (up to date, plans in flight, cutting over), the failure budget (counted,
// acknowledged, allowed) and whether the failure policy holds the rollout paused. Rollouts are few,
// so per-rollout labels stay cheap; a deleted rollout's series go with it.
import { Gauge, type Registry } from 'prom-client';
import type { MaintenanceRollout } from '../../api/v1alpha1/index.ts';
import type { TypedRef } from '../../runtime/resources.ts';

/** The kind the series read (cached by the manager; the rollout controller reads the same cache). */
export const ROLLOUTS_CACHE: TypedRef<MaintenanceRollout> = {
  group: 'vapp.dev',
  version: 'v1alpha1',
  plural: 'maintenancerollouts',
  kind: 'MaintenanceRollout',
};

/** The fields of a cached rollout (raw, as the API server serves it) that the series read. */
export interface RolloutSnapshot {
  readonly metadata: { readonly name?: string; readonly namespace?: string };
  readonly spec?: { readonly failurePolicy?: { readonly action?: string } };
  readonly status?: {
    readonly phase?: string;
    readonly revision?: number;
    readonly counts?: {
      readonly selected?: number;
      readonly upToDate?: number;
      readonly inFlight?: number;
      readonly cuttingOver?: number;
      readonly failed?: number;
      readonly rolledBack?: number;
    };
    readonly failures?: {
      readonly count?: number;
      readonly acknowledged?: number;
      readonly allowed?: number;
      readonly exceeded?: boolean;
    };
  };
}

const GAUGES = {
  vapp_rollout_phase: {
    help: 'The phase of the MaintenanceRollout (1; Pending until the operator reports one)',
    labels: ['namespace', 'name', 'phase'],
  },
  vapp_rollout_revision: { help: 'The revision of the rollout (status.revision)', labels: ['namespace', 'name'] },
  vapp_rollout_appliances_selected: {
    help: "Appliances the rollout's selector matches",
    labels: ['namespace', 'name'],
  },
  vapp_rollout_appliances_up_to_date: {
    help: 'Selected appliances at the target of the revision',
    labels: ['namespace', 'name'],
  },
  vapp_rollout_plans_in_flight: {
    help: 'Plans of the revision not finished (each holds a clone)',
    labels: ['namespace', 'name'],
  },
  vapp_rollout_plans_cutting_over: {
    help: 'Plans of the revision holding a cut-over slot',
    labels: ['namespace', 'name'],
  },
  vapp_rollout_failures: {
    help: 'Plans of the revision that count as failed (status.failures.count)',
    labels: ['namespace', 'name'],
  },
  vapp_rollout_failures_acknowledged: {
    help: 'Of the failures, those acknowledged (spec.acknowledgedFailures, at most the count)',
    labels: ['namespace', 'name'],
  },
  vapp_rollout_failures_allowed: {
    help: 'Unacknowledged failures the failure policy tolerates (spec.failurePolicy.maxFailures)',
    labels: ['namespace', 'name'],
  },
  vapp_rollout_paused: {
    help: 'Whether the failure policy holds the rollout paused until the failures are acknowledged (1) or not (0)',
    labels: ['namespace', 'name'],
  },
} as const;

export type RolloutMetric = keyof typeof GAUGES;

export interface RolloutSample {
  readonly metric: RolloutMetric;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const n = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** The series of one rollout (pure). */
export function rolloutSamples(r: RolloutSnapshot): RolloutSample[] {
  const id = { namespace: r.metadata.namespace ?? '', name: r.metadata.name ?? '' };
  const s = r.status;
  const f = s?.failures;
  // Paused by failures: the budget is spent and the policy pauses (a suspended rollout shows
  // Suspended as its phase, and is still held by its failures).
  const paused =
    s?.phase === 'Paused' || (f?.exceeded === true && (r.spec?.failurePolicy?.action ?? 'Pause') === 'Pause');
  return [
    { metric: 'vapp_rollout_phase', labels: { ...id, phase: s?.phase ?? 'Pending' }, value: 1 },
    { metric: 'vapp_rollout_revision', labels: id, value: n(s?.revision) },
    { metric: 'vapp_rollout_appliances_selected', labels: id, value: n(s?.counts?.selected) },
    { metric: 'vapp_rollout_appliances_up_to_date', labels: id, value: n(s?.counts?.upToDate) },
    { metric: 'vapp_rollout_plans_in_flight', labels: id, value: n(s?.counts?.inFlight) },
    { metric: 'vapp_rollout_plans_cutting_over', labels: id, value: n(s?.counts?.cuttingOver) },
    { metric: 'vapp_rollout_failures', labels: id, value: n(f?.count) },
    { metric: 'vapp_rollout_failures_acknowledged', labels: id, value: n(f?.acknowledged) },
    { metric: 'vapp_rollout_failures_allowed', labels: id, value: n(f?.allowed) },
    { metric: 'vapp_rollout_paused', labels: id, value: paused ? 1 : 0 },
  ];
}

/** Registers the per-rollout gauges; `rollouts` lists the cached rollouts at each scrape. */
export function registerRolloutMetrics(registry: Registry, rollouts: () => readonly RolloutSnapshot[]): void {
  for (const [metric, { help, labels }] of Object.entries(GAUGES)) {
    new Gauge({
      name: metric,
      help,
      labelNames: labels,
      registers: [registry],
      collect() {
        this.reset();
        for (const r of rollouts())
          for (const s of rolloutSamples(r)) if (s.metric === metric) this.set(s.labels, s.value);
      },
    });
  }
}

// Metrics of the rollouts, read from their status at each scrape: how many selected appliances are
// in each state, the phase (one series per phase, 1 for the current one), the failures of the
// current revision (counted, acknowledged, allowed) and whether the rollout is paused. Every series
// is there from the rollout's first status on, 0 included, so that a dashboard and an alert see a
// rollout that is not paused as 0, not as no data. Labels: namespace, rollout (and state, phase).
import { Gauge, type Registry } from 'prom-client';
import { ROLLOUT_PHASES, type MaintenanceRollout } from '../../api/v1alpha1/index.ts';

const STATES = [
  ['selected', 'selected'],
  ['upToDate', 'up_to_date'],
  ['pending', 'pending'],
  ['inFlight', 'in_flight'],
  ['waitingForSlot', 'waiting_for_slot'],
  ['waitingForWindow', 'waiting_for_window'],
  ['cuttingOver', 'cutting_over'],
  ['failed', 'failed'],
  ['rolledBack', 'rolled_back'],
  ['held', 'held'],
] as const;

export interface RolloutSample {
  readonly metric: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

export function rolloutSamples(r: MaintenanceRollout): RolloutSample[] {
  const base = { namespace: r.metadata.namespace ?? '', rollout: r.metadata.name ?? '' };
  const status = r.status;
  if (status === undefined) return [];
  const counts = status.counts as Partial<Record<string, number>> | undefined;
  return [
    ...STATES.map(([field, state]) => ({
      metric: 'vapp_rollout_appliances',
      labels: { ...base, state },
      value: counts?.[field] ?? 0,
    })),
    ...ROLLOUT_PHASES.map((phase) => ({
      metric: 'vapp_rollout_phase',
      labels: { ...base, phase },
      value: status.phase === phase ? 1 : 0,
    })),
    { metric: 'vapp_rollout_failures', labels: base, value: status.failures.count },
    { metric: 'vapp_rollout_failures_acknowledged', labels: base, value: status.failures.acknowledged },
    { metric: 'vapp_rollout_failures_allowed', labels: base, value: status.failures.allowed },
    { metric: 'vapp_rollout_paused', labels: base, value: status.phase === 'Paused' ? 1 : 0 },
    { metric: 'vapp_rollout_revision', labels: base, value: status.revision },
  ];
}

const GAUGES = {
  vapp_rollout_appliances: {
    help: 'Selected appliances of a MaintenanceRollout by state (selected, up_to_date, pending, in_flight, waiting_for_slot, waiting_for_window, cutting_over, failed, rolled_back, held).',
    labels: ['namespace', 'rollout', 'state'],
  },
  vapp_rollout_phase: {
    help: `The phase of a MaintenanceRollout: 1 for its current phase, 0 for the others (${ROLLOUT_PHASES.join(', ')}); all 0 while its target is being resolved.`,
    labels: ['namespace', 'rollout', 'phase'],
  },
  vapp_rollout_failures: {
    help: "Plans of the rollout's current revision that count as failed.",
    labels: ['namespace', 'rollout'],
  },
  vapp_rollout_failures_acknowledged: {
    help: 'Of the failures, those a person acknowledged (spec.acknowledgedFailures, at most the failures).',
    labels: ['namespace', 'rollout'],
  },
  vapp_rollout_failures_allowed: {
    help: "Failures the rollout's policy allows beyond the acknowledged ones (spec.failurePolicy.maxFailures).",
    labels: ['namespace', 'rollout'],
  },
  vapp_rollout_paused: {
    help: '1 while the rollout is paused on failures, else 0.',
    labels: ['namespace', 'rollout'],
  },
  vapp_rollout_revision: { help: "The rollout's revision of its target.", labels: ['namespace', 'rollout'] },
} as const;

export function registerRolloutMetrics(registry: Registry, rollouts: () => readonly MaintenanceRollout[]): void {
  for (const [metric, { help, labels }] of Object.entries(GAUGES)) {
    new Gauge({
      name: metric,
      help,
      labelNames: [...labels],
      registers: [registry],
      collect() {
        this.reset();
        for (const r of rollouts())
          for (const s of rolloutSamples(r)) if (s.metric === metric) this.set(s.labels, s.value);
      },
    });
  }
}

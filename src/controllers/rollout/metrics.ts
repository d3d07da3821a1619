// Metrics of the rollouts, read from their status at each scrape: how many selected appliances are
// in each state, the failures of the current revision and whether the rollout is paused. Labels:
// namespace, rollout (and state).
import { Gauge, type Registry } from 'prom-client';
import type { MaintenanceRollout } from '../../api/v1alpha1/index.ts';

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
    { metric: 'vapp_rollout_failures', labels: base, value: status.failures.count },
    { metric: 'vapp_rollout_paused', labels: base, value: status.phase === 'Paused' ? 1 : 0 },
    { metric: 'vapp_rollout_revision', labels: base, value: status.revision },
  ];
}

const GAUGES = {
  vapp_rollout_appliances: {
    help: 'Selected appliances of a MaintenanceRollout by state (selected, up_to_date, pending, in_flight, waiting_for_slot, waiting_for_window, cutting_over, failed, rolled_back, held).',
    labels: ['namespace', 'rollout', 'state'],
  },
  vapp_rollout_failures: {
    help: "Plans of the rollout's current revision that count as failed.",
    labels: ['namespace', 'rollout'],
  },
  vapp_rollout_paused: { help: '1 while the rollout is paused on failures.', labels: ['namespace', 'rollout'] },
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

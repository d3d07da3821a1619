// Prometheus metrics of appliances, computed from the cached VirtualAppliances at each scrape: whether
// each is Ready, which slot serves, how many members are ready, and which plan holds it. Appliances
// are few enough for per-appliance labels; a deleted appliance's series go with it.
import { Gauge, type Registry } from 'prom-client';

/** The fields of a cached appliance (raw, as the API server serves it) that the series read. */
export interface ApplianceSnapshot {
  readonly metadata: { readonly name?: string; readonly namespace?: string };
  readonly spec?: { readonly members?: readonly unknown[] };
  readonly status?: {
    readonly activeSlot?: string;
    readonly activePlan?: string;
    readonly members?: readonly { readonly ready?: boolean }[];
    readonly conditions?: readonly { readonly type: string; readonly status: string }[];
  };
}

export interface ApplianceSample {
  readonly metric:
    | 'vapp_appliance_ready'
    | 'vapp_appliance_active_slot'
    | 'vapp_appliance_members'
    | 'vapp_appliance_members_ready'
    | 'vapp_appliance_active_plan';
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The series of one appliance (pure). */
export function applianceSamples(a: ApplianceSnapshot): ApplianceSample[] {
  const id = { namespace: a.metadata.namespace ?? '', name: a.metadata.name ?? '' };
  const ready = a.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  const out: ApplianceSample[] = [
    { metric: 'vapp_appliance_ready', labels: id, value: ready ? 1 : 0 },
    { metric: 'vapp_appliance_members', labels: id, value: a.spec?.members?.length ?? 0 },
    {
      metric: 'vapp_appliance_members_ready',
      labels: id,
      value: (a.status?.members ?? []).filter((m) => m.ready === true).length,
    },
  ];
  const slot = a.status?.activeSlot;
  if (slot !== undefined && slot !== '')
    out.push({ metric: 'vapp_appliance_active_slot', labels: { ...id, slot }, value: 1 });
  const plan = a.status?.activePlan;
  if (plan !== undefined && plan !== '')
    out.push({ metric: 'vapp_appliance_active_plan', labels: { ...id, plan }, value: 1 });
  return out;
}

const GAUGES: Readonly<Record<ApplianceSample['metric'], { help: string; labels: readonly string[] }>> = {
  vapp_appliance_ready: { help: 'Whether the appliance is Ready (1) or not (0)', labels: ['namespace', 'name'] },
  vapp_appliance_active_slot: {
    help: 'The slot (blue or green) whose VMs serve the appliance (1)',
    labels: ['namespace', 'name', 'slot'],
  },
  vapp_appliance_members: { help: 'Members of the appliance (spec.members)', labels: ['namespace', 'name'] },
  vapp_appliance_members_ready: { help: 'Members whose VM is running and Ready', labels: ['namespace', 'name'] },
  vapp_appliance_active_plan: {
    help: 'The MaintenancePlan that holds the appliance now (1; absent when none)',
    labels: ['namespace', 'name', 'plan'],
  },
};

export function registerApplianceMetrics(registry: Registry, appliances: () => readonly ApplianceSnapshot[]): void {
  for (const [metric, { help, labels }] of Object.entries(GAUGES)) {
    new Gauge({
      name: metric,
      help,
      labelNames: labels,
      registers: [registry],
      collect() {
        this.reset();
        for (const a of appliances())
          for (const s of applianceSamples(a)) if (s.metric === metric) this.set(s.labels, s.value);
      },
    });
  }
}

// What the dashboard page shows, computed from the live caches: the same facts as the terminal
// views (appliance-facts.ts, plan-facts.ts, rollout-facts.ts) plus, for each plan and rollout, which
// requests would be honoured now and why not the others. Pure; the server sends it to the page on
// every change.
import { LABEL_APPLIANCE } from '../../api/v1alpha1/index.ts';
import type { Action } from '../requests/decision.ts';
import { planTarget } from '../requests/plan.ts';
import { rolloutTarget, waveAwaitingApproval } from '../requests/rollout.ts';
import { applianceFacts, type ApplianceFacts } from '../views/appliance-facts.ts';
import { planFacts, type PlanFacts } from '../views/plan-facts.ts';
import { rolloutFacts, type RolloutFacts } from '../views/rollout-facts.ts';
import type { WireAppliance, WireEvent, WirePlan, WireRollout, WireService, WireVm, WireVmi } from '../wire.ts';

export interface ActionState {
  /** The operator would honour it now. */
  readonly allowed: boolean;
  /** What it does, or why it is refused or needless. */
  readonly message: string;
}

export interface DashboardPlan extends PlanFacts {
  readonly kind: 'MaintenancePlan';
  /** The requests that apply to a plan (planTarget.actions). */
  readonly actions: Readonly<Partial<Record<Action, ActionState>>>;
}

export interface DashboardRollout extends RolloutFacts {
  readonly kind: 'MaintenanceRollout';
  /** The requests that apply to a rollout (rolloutTarget.actions). */
  readonly actions: Readonly<Partial<Record<Action, ActionState>>>;
  /** The wave an approval would add to spec.approvedWaves, when one waits for it. */
  readonly waveAwaitingApproval?: string;
}

export interface DashboardState {
  readonly context: string;
  /** The namespace shown, or undefined for all. */
  readonly namespace?: string;
  readonly generatedAt: string;
  readonly appliances: readonly ApplianceFacts[];
  readonly plans: readonly DashboardPlan[];
  readonly rollouts: readonly DashboardRollout[];
}

export interface DashboardInputs {
  readonly context: string;
  readonly namespace?: string | undefined;
  readonly appliances: readonly WireAppliance[];
  readonly plans: readonly WirePlan[];
  readonly rollouts?: readonly WireRollout[];
  readonly vms: readonly WireVm[];
  readonly vmis: readonly WireVmi[];
  readonly services: readonly WireService[];
  readonly events: readonly WireEvent[];
}

const key = (namespace: string | undefined, name: string | undefined) => `${namespace ?? ''}/${name ?? ''}`;

export function dashboardState(input: DashboardInputs, now: Date): DashboardState {
  const inNamespace = <T extends { metadata?: { namespace?: string } }>(list: readonly T[], ns: string) =>
    list.filter((o) => o.metadata?.namespace === ns);
  const appliances = [...input.appliances]
    .sort((a, b) =>
      key(a.metadata?.namespace, a.metadata?.name).localeCompare(key(b.metadata?.namespace, b.metadata?.name)),
    )
    .map((appliance) => {
      const ns = appliance.metadata?.namespace ?? '';
      const name = appliance.metadata?.name ?? '';
      const mine = <T extends { metadata?: { namespace?: string; labels?: Readonly<Record<string, string>> } }>(
        list: readonly T[],
      ) => inNamespace(list, ns).filter((o) => o.metadata?.labels?.[LABEL_APPLIANCE] === name);
      return applianceFacts({
        appliance,
        vms: mine(input.vms as readonly (WireVm & { metadata?: { namespace?: string } })[]),
        vmis: mine(input.vmis as readonly (WireVmi & { metadata?: { namespace?: string } })[]),
        services: inNamespace(input.services, ns),
        plans: inNamespace(input.plans, ns),
      });
    });
  const eventsOf = (kind: string) => {
    const by = new Map<string, WireEvent[]>();
    for (const e of input.events) {
      if (e.involvedObject?.kind !== kind) continue;
      const k = key(e.metadata?.namespace, e.involvedObject.name);
      by.set(k, [...(by.get(k) ?? []), e]);
    }
    return by;
  };
  const eventsByPlan = eventsOf('MaintenancePlan');
  const eventsByRollout = eventsOf('MaintenanceRollout');
  const plans = [...input.plans]
    .sort((a, b) => (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? ''))
    .map((plan): DashboardPlan => {
      const facts = planFacts(plan, eventsByPlan.get(key(plan.metadata?.namespace, plan.metadata?.name)) ?? [], now);
      const actions = Object.fromEntries(
        planTarget.actions.map((action) => {
          const d = planTarget.decide(action, plan, {}, now);
          return [action, { allowed: d.kind === 'patch', message: d.message }];
        }),
      ) as Partial<Record<Action, ActionState>>;
      return { kind: 'MaintenancePlan' as const, ...facts, actions };
    });
  const rollouts = [...(input.rollouts ?? [])]
    .sort((a, b) =>
      key(a.metadata?.namespace, a.metadata?.name).localeCompare(key(b.metadata?.namespace, b.metadata?.name)),
    )
    .map((rollout): DashboardRollout => {
      const facts = rolloutFacts(
        rollout,
        eventsByRollout.get(key(rollout.metadata?.namespace, rollout.metadata?.name)) ?? [],
        now,
      );
      const actions = Object.fromEntries(
        rolloutTarget.actions.map((action) => {
          const d = rolloutTarget.decide(action, rollout, {}, now);
          return [action, { allowed: d.kind === 'patch', message: d.message }];
        }),
      ) as Partial<Record<Action, ActionState>>;
      const wave = waveAwaitingApproval(rollout);
      return {
        kind: 'MaintenanceRollout' as const,
        ...facts,
        actions,
        ...(wave === undefined ? {} : { waveAwaitingApproval: wave }),
      };
    });
  return {
    context: input.context,
    ...(input.namespace === undefined ? {} : { namespace: input.namespace }),
    generatedAt: now.toISOString(),
    appliances,
    plans,
    rollouts,
  };
}

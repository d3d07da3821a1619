// What a person needs to know about a VirtualAppliance: each member with the VMs of each slot
// (the serving one, a plan's clone, a retained original) with readiness and component levels, the
// Services and the slot they select, and the plans working on it. Pure; the terminal tree
// (appliance-view.ts) and the dashboard show the same facts.
import { LABEL_MEMBER, LABEL_SLOT } from '../../api/v1alpha1/index.ts';
import { readLevel } from '../operator-rules.ts';
import type { WireAppliance, WirePlan, WireService, WireVm, WireVmi } from '../wire.ts';

/** Label that the operator puts on everything a plan creates, clone VMs included. */
export const LABEL_PLAN = 'vapp.dev/plan';

/**
 * serving: in the active slot. clone: made by the active plan, not serving yet. retained: a
 * stopped VM of the other slot, kept for a rollback until the plan releases it. other: anything else.
 */
export type VmRole = 'serving' | 'clone' | 'retained' | 'other';

export interface VmFacts {
  readonly name: string;
  readonly slot?: string;
  readonly role: VmRole;
  /** The plan that created the VM (a clone), when it did. */
  readonly plan?: string;
  readonly status: string;
  readonly ready: boolean;
  readonly runStrategy?: string;
  readonly components: readonly { readonly name: string; readonly level?: string; readonly problem?: string }[];
}

export interface MemberFacts {
  readonly name: string;
  readonly startOrder: number;
  readonly dataVolumes: readonly string[];
  /** The operator's view: the serving VM is ready. */
  readonly ready: boolean;
  readonly vms: readonly VmFacts[];
}

export interface ServiceFacts {
  readonly name: string;
  readonly found: boolean;
  /** The slot its vapp.dev/slot selector key selects. */
  readonly slot?: string;
  /** A <service>-preview twin that a plan made to reach its clone. */
  readonly preview: boolean;
}

export interface PlanSummary {
  readonly name: string;
  readonly phase: string;
  readonly progress?: string;
  readonly createdAt?: string;
}

export interface ApplianceFacts {
  readonly name: string;
  readonly namespace: string;
  readonly activeSlot?: string;
  readonly readyMembers?: string;
  readonly ready?: { readonly status: string; readonly reason: string; readonly message: string };
  readonly members: readonly MemberFacts[];
  readonly services: readonly ServiceFacts[];
  readonly activePlan?: PlanSummary;
  /** Every plan of the appliance, newest first. */
  readonly plans: readonly PlanSummary[];
}

export interface ApplianceInputs {
  readonly appliance: WireAppliance;
  /** The VMs labelled vapp.dev/appliance=<name>. */
  readonly vms: readonly WireVm[];
  readonly vmis: readonly WireVmi[];
  /** Services of the namespace (those of the appliance and their -preview twins are shown). */
  readonly services: readonly WireService[];
  /** Plans of the namespace (those of the appliance are shown). */
  readonly plans: readonly WirePlan[];
}

const ROLE_ORDER: Readonly<Record<VmRole, number>> = { serving: 0, clone: 1, retained: 2, other: 3 };

export function applianceFacts(input: ApplianceInputs): ApplianceFacts {
  const a = input.appliance;
  const name = a.metadata?.name ?? '';
  const namespace = a.metadata?.namespace ?? '';
  const activeSlot = a.status?.activeSlot;
  const activePlanName = a.status?.activePlan ?? '';
  const plans = input.plans
    .filter((p) => p.spec?.appliance === name && p.metadata?.namespace === namespace)
    .sort((x, y) => (y.metadata?.creationTimestamp ?? '').localeCompare(x.metadata?.creationTimestamp ?? ''))
    .map(summary);
  const activePlan = plans.find((p) => p.name === activePlanName);
  const vmis = new Map(input.vmis.map((v) => [v.metadata?.name ?? '', v]));
  const statusOf = new Map((a.status?.members ?? []).map((m) => [m.name ?? '', m]));

  const members = (a.spec?.members ?? []).map((member): MemberFacts => {
    const memberName = member.name ?? '';
    const vms = input.vms
      .filter((vm) => vm.metadata?.labels?.[LABEL_MEMBER] === memberName)
      .map((vm): VmFacts => {
        const labels = vm.metadata?.labels ?? {};
        const slot = labels[LABEL_SLOT];
        const plan = labels[LABEL_PLAN];
        const running = vm.status?.printableStatus ?? (vm.status?.ready === true ? 'Running' : 'Unknown');
        const role: VmRole =
          slot !== undefined && slot === (activeSlot ?? 'blue')
            ? 'serving'
            : plan !== undefined && plan === activePlanName
              ? 'clone'
              : vm.spec.runStrategy === 'Halted' || vm.spec.running === false
                ? 'retained'
                : 'other';
        const vmi = vmis.get(vm.metadata?.name ?? '');
        return {
          name: vm.metadata?.name ?? '',
          ...(slot === undefined ? {} : { slot }),
          role,
          ...(plan === undefined ? {} : { plan }),
          status: running,
          ready: vm.status?.ready === true,
          ...(vm.spec.runStrategy === undefined ? {} : { runStrategy: vm.spec.runStrategy }),
          components: (member.components ?? []).map((c) => {
            const cname = c.name ?? '';
            if (c.level === undefined) return { name: cname };
            const reading = readLevel(c.level as Parameters<typeof readLevel>[0], cname, vm, vmi);
            return 'level' in reading
              ? { name: cname, level: reading.level }
              : { name: cname, problem: reading.problem };
          }),
        };
      })
      .sort((x, y) => ROLE_ORDER[x.role] - ROLE_ORDER[y.role] || x.name.localeCompare(y.name));
    return {
      name: memberName,
      startOrder: member.startOrder ?? 0,
      dataVolumes: member.dataVolumes ?? [],
      ready: statusOf.get(memberName)?.ready === true,
      vms,
    };
  });

  const byName = new Map(input.services.map((s) => [s.metadata?.name ?? '', s]));
  const services: ServiceFacts[] = [];
  for (const svc of a.spec?.services ?? []) {
    for (const [serviceName, preview] of [
      [svc, false],
      [`${svc}-preview`, true],
    ] as const) {
      const found = byName.get(serviceName);
      if (found === undefined && preview) continue;
      const slot = found?.spec?.selector?.[LABEL_SLOT];
      services.push({
        name: serviceName,
        found: found !== undefined,
        ...(slot === undefined ? {} : { slot }),
        preview,
      });
    }
  }
  const ready = (a.status?.conditions ?? []).find((c) => c.type === 'Ready');
  return {
    name,
    namespace,
    ...(activeSlot === undefined ? {} : { activeSlot }),
    ...(a.status?.readyMembers === undefined ? {} : { readyMembers: a.status.readyMembers }),
    ...(ready === undefined
      ? {}
      : { ready: { status: ready.status ?? '', reason: ready.reason ?? '', message: ready.message ?? '' } }),
    members,
    services,
    ...(activePlan === undefined ? {} : { activePlan }),
    plans,
  };
}

function summary(p: WirePlan): PlanSummary {
  const created = p.metadata?.creationTimestamp;
  return {
    name: p.metadata?.name ?? '',
    phase: p.status?.phase ?? 'Pending',
    ...(p.status?.progress === undefined ? {} : { progress: p.status.progress }),
    ...(created === undefined ? {} : { createdAt: created }),
  };
}

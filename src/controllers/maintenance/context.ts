// What every step works with: the plan, its appliance, the slots, the names of its children, and
// small idempotent I/O helpers (create if absent, patch, delete, read from the caches).
import type { KubeObject } from '../../runtime/object.ts';
import {
  LABEL_MEMBER,
  LABEL_SLOT,
  type MaintenancePlan,
  type Member,
  type Slot,
  type SyncRound,
  type VirtualAppliance,
  type CutOverStatus,
  type RollbackStatus,
} from '../../api/v1alpha1/index.ts';
import type { VirtualMachine } from '../../kubevirt/types.ts';
import type { ControllerDeps } from '../../runtime/controller.ts';
import { isAlreadyExists, isNotFound } from '../../runtime/errors.ts';
import type { Logger } from '../../runtime/log.ts';
import { resourcePath, type ResourceRef } from '../../runtime/resources.ts';
import { vmsOfAppliance } from '../appliance/indexes.ts';
import { LABEL_PLAN, applianceOwner, childLabels, planNames } from './names.ts';
import type { MaintenanceOptions } from './options.ts';
import { VMS } from './resources.ts';

/** What steps record for status besides their outcome. */
export interface StepEffects {
  syncRounds: SyncRound[];
  cutOver: CutOverStatus;
  rollback: RollbackStatus;
  downtimeSeconds?: number;
}

export interface StepContext {
  readonly deps: ControllerDeps;
  readonly options: Required<MaintenanceOptions>;
  readonly log: Logger;
  readonly now: Date;
  /** When the current step started (now, on its first pass), or resumed after a suspension: its deadline counts from here. */
  readonly stepStartedAt: Date;
  readonly namespace: string;
  readonly plan: MaintenancePlan;
  readonly appliance: VirtualAppliance;
  /** The slot serving before the cut-over, and the slot of the clone. */
  readonly fromSlot: Slot;
  readonly toSlot: Slot;
  readonly names: ReturnType<typeof planNames>;
  /** Labels and owner reference for every child. */
  readonly labels: Record<string, string>;
  readonly owner: ReturnType<typeof applianceOwner>;
  /** Results a step hands to the reconciler for status (collected, then written once). */
  readonly effects: StepEffects;
  /** The members in start order (members with equal startOrder keep their spec order). */
  readonly members: readonly Member[];
  /** The member's VM in a slot: the original (fromSlot) or the clone (toSlot). */
  vmOf(member: string, slot: Slot): VirtualMachine | undefined;
  /** A cached object by name, in the plan's namespace (typed by the caller, who knows the kind). */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  get<T extends KubeObject>(ref: ResourceRef, name: string): T | undefined;
  /** Cached objects of a kind created by this plan. */
  children<T extends KubeObject>(ref: ResourceRef): T[];
  /** Creates the object unless it exists (409 is success: a restarted operator re-creates nothing). */
  create(ref: ResourceRef, body: KubeObject): Promise<void>;
  /** A merge patch (or a JSON patch when `json`). */
  patch(ref: ResourceRef, name: string, body: unknown, opts?: { json?: boolean; subresource?: string }): Promise<void>;
  /** Deletes the object if present (foreground: its dependents go first). */
  remove(ref: ResourceRef, name: string): Promise<void>;
}

export function stepContext(
  deps: ControllerDeps,
  options: Required<MaintenanceOptions>,
  log: Logger,
  plan: MaintenancePlan,
  appliance: VirtualAppliance,
  now: Date,
  stepStartedAt: Date,
): StepContext {
  const namespace = plan.metadata.namespace ?? '';
  const planName = plan.metadata.name ?? '';
  const applianceName = appliance.metadata.name ?? '';
  const vms = deps.cache.informer<VirtualMachine>(VMS).store;
  const names = planNames(planName);
  const members = [...appliance.spec.members].sort((a, b) => a.startOrder - b.startOrder);

  // The clone's slot is written on the clone VMs; before they exist the appliance has not cut over yet.
  const activeSlot: Slot = appliance.status?.activeSlot ?? 'blue';
  const cloneSlot = members
    .map((m) => vms.get(`${namespace}/${names.cloneVm(m.name)}`)?.metadata?.labels?.[LABEL_SLOT])
    .find((s) => s !== undefined) as Slot | undefined;
  const toSlot: Slot = cloneSlot ?? (activeSlot === 'blue' ? 'green' : 'blue');
  const fromSlot: Slot = toSlot === 'blue' ? 'green' : 'blue';

  const path = (ref: ResourceRef, name?: string, sub?: string) => resourcePath(ref, namespace, name, sub);
  return {
    deps,
    options,
    log,
    now,
    stepStartedAt,
    namespace,
    plan,
    appliance,
    fromSlot,
    toSlot,
    names,
    members,
    effects: {
      syncRounds: [...(plan.status?.syncRounds ?? [])],
      cutOver: { ...plan.status?.cutOver },
      rollback: { ...plan.status?.rollback },
    },
    labels: childLabels(applianceName, planName),
    owner: applianceOwner({ name: applianceName, uid: appliance.metadata.uid ?? '' }),
    vmOf(member, slot) {
      if (slot === toSlot) return vms.get(`${namespace}/${names.cloneVm(member)}`);
      return vmsOfAppliance(vms, namespace, applianceName).find((vm) => {
        const l = vm.metadata?.labels ?? {};
        return l[LABEL_MEMBER] === member && l[LABEL_SLOT] === slot && l[LABEL_PLAN] !== planName;
      });
    },
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
    get: <T extends KubeObject>(ref: ResourceRef, name: string) =>
      deps.cache.informer<T>(ref).store.get(`${namespace}/${name}`),
    children: <T extends KubeObject>(ref: ResourceRef) =>
      deps.cache
        .informer<T>(ref)
        .store.list()
        .filter((o) => o.metadata?.namespace === namespace && o.metadata.labels?.[LABEL_PLAN] === planName),
    async create(ref, body) {
      try {
        await deps.client.request(path(ref), { method: 'POST', body });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    },
    async patch(ref, name, body, opts = {}) {
      await deps.client.request(path(ref, name, opts.subresource), {
        method: 'PATCH',
        body,
        contentType: opts.json ? 'application/json-patch+json' : 'application/merge-patch+json',
      });
    },
    async remove(ref, name) {
      try {
        await deps.client.request(path(ref, name), { method: 'DELETE', body: { propagationPolicy: 'Background' } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}

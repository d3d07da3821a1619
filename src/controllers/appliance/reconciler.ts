// Reconciles one VirtualAppliance: adopt the member VMs, read the live inventory, own the slot
// selector key of the Services, and summarise it all into status (one write, at the end).
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import {
  API_VERSION,
  LABEL_MEMBER,
  LABEL_SLOT,
  VIRTUAL_APPLIANCE_KIND,
  VirtualApplianceSpecSchema,
  type Slot,
  type VirtualAppliance,
  type VirtualApplianceStatus,
} from '../../api/v1alpha1/index.ts';
import { fieldPath } from '../../api/v1alpha1/parse.ts';
import type { VirtualMachine, VirtualMachineInstance } from '../../kubevirt/types.ts';
import { apply, applyStatus } from '../../runtime/apply.ts';
import { conditionsEqual, readKStatus, setKStatus, type Condition, type KStatus } from '../../runtime/conditions.ts';
import type { ControllerDeps, ReconcileContext, ReconcileRequest, ReconcileResult } from '../../runtime/controller.ts';
import { resourcePath, type ResourceRef } from '../../runtime/resources.ts';
import { adoptionApply, hasLabels, isAdopted, memberLabels, ownershipOf, type ApplianceRef } from './adoption.ts';
import { BY_CREATED_BY, vmsOfAppliance } from './indexes.ts';
import { memberInventory, summarize, type MemberInventory, type MemberObservation } from './inventory.ts';
import { APPLIANCES, LAUNCHER_PODS, SERVICES, VMIS, VMS } from './resources.ts';
import { selectsSlot, slotSelectorApply } from './service-slot.ts';

/** A periodic re-check, as controller-runtime's resync: watches drive everything else. */
const RESYNC_MS = 10 * 60_000;

export function applianceReconciler(deps: ControllerDeps) {
  const appliances = deps.cache.informer<VirtualAppliance>(APPLIANCES).store;
  const vms = deps.cache.informer<VirtualMachine>(VMS).store;
  const vmis = deps.cache.informer<VirtualMachineInstance>(VMIS).store;
  const pods = deps.cache.informer<V1Pod>(LAUNCHER_PODS).store;
  const services = deps.cache.informer<V1Service>(SERVICES).store;

  return async (req: ReconcileRequest, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const namespace = req.namespace ?? '';
    const appliance = appliances.get(`${namespace}/${req.name}`);
    if (appliance === undefined) return {};
    const generation = appliance.metadata.generation;
    // The serving slot. Written here once (blue, at first sight) and afterwards only by the
    // MaintenancePlan that cuts over: a merge patch, never part of this controller's apply, so a
    // stale cache here can never switch it back.
    const activeSlot: Slot = appliance.status?.activeSlot ?? 'blue';
    if (appliance.status?.activeSlot === undefined) {
      await deps.client.request(resourcePath(APPLIANCES, namespace, req.name, 'status'), {
        method: 'PATCH',
        contentType: 'application/merge-patch+json',
        body: { status: { activeSlot } },
      });
    }
    // While a plan is active it owns the traffic: the Services are left to it.
    const planOwnsTraffic = (appliance.status?.activePlan ?? '') !== '';

    const parsed = VirtualApplianceSpecSchema.safeParse(appliance.spec);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `spec.${fieldPath(i.path)}: ${i.message}`).join('; ');
      await writeStatus(appliance, {}, { state: 'Stalled', reason: 'InvalidSpec', message });
      return {};
    }
    const spec = parsed.data;
    const ref: ApplianceRef = { name: req.name, namespace, uid: appliance.metadata.uid ?? '' };

    // 1. Adopt each member's serving VM and label what is already running.
    const inventories: MemberInventory[] = [];
    let liveLabelsInPlace = true;
    for (const member of spec.members) {
      const labels = memberLabels(req.name, member.name, activeSlot);
      const vmName = servingVmName(vmsOfAppliance(vms, namespace, req.name), member.name, activeSlot) ?? member.vm;
      const vm = vms.get(`${namespace}/${vmName}`);
      const obs: MemberObservation = { member, vmName, ...(vm ? { vm } : {}) };
      if (vm === undefined) {
        inventories.push(memberInventory(obs));
        continue;
      }
      const ownership = ownershipOf(vm, ref);
      if (ownership.state === 'other') {
        inventories.push(memberInventory({ ...obs, ownedBy: ownership.appliance }));
        continue;
      }
      if (!isAdopted(vm, ref, labels)) {
        await apply(deps.client, adoptionApply(vmName, ref, labels));
        if (ownership.state === 'free')
          await deps.events.normal(
            appliance,
            'Adopted',
            `Adopted VirtualMachine ${vmName} as member ${member.name} in slot ${activeSlot}`,
          );
      }
      const vmi = vmis.get(`${namespace}/${vmName}`);
      if (vmi !== undefined) liveLabelsInPlace = (await labelLive(vmi, labels)) && liveLabelsInPlace;
      inventories.push(memberInventory({ ...obs, ...(vmi ? { vmi } : {}) }));
    }

    // 2. Services follow the active slot, once the running Pods carry the slot label.
    const serviceProblems: string[] = [];
    for (const name of spec.services) {
      const service = services.get(`${namespace}/${name}`);
      if (service === undefined) {
        serviceProblems.push(`Service ${name} not found`);
      } else if (!planOwnsTraffic && liveLabelsInPlace && !selectsSlot(service, activeSlot)) {
        await apply(deps.client, slotSelectorApply(service, activeSlot));
        await deps.events.normal(
          appliance,
          'ServiceSelectsSlot',
          `Service ${name} now selects ${LABEL_SLOT}=${activeSlot}`,
        );
      }
    }

    // 3. Summarise into status: one write, only when something changed.
    const summary = summarize(inventories, serviceProblems, activeSlot);
    await writeStatus(
      appliance,
      { members: [...summary.members], readyMembers: summary.readyMembers },
      summary.kstatus,
    );
    ctx.log.debug('reconciled', { state: summary.kstatus.state, ready: summary.readyMembers });
    return { requeueAfterMs: RESYNC_MS };

    /** Labels the running VMI and its virt-launcher Pod; true when both already had the labels. */
    async function labelLive(vmi: VirtualMachineInstance, labels: Record<string, string>): Promise<boolean> {
      let inPlace = true;
      if (!hasLabels(vmi.metadata?.labels, labels)) {
        await mergeLabels(VMIS, vmi.metadata?.name ?? '', labels);
        inPlace = false;
      }
      for (const pod of pods.byIndex(BY_CREATED_BY, `${namespace}/${vmi.metadata?.uid ?? ''}`)) {
        if (!hasLabels(pod.metadata?.labels, labels)) {
          await mergeLabels(LAUNCHER_PODS, pod.metadata?.name ?? '', labels);
          inPlace = false;
        }
      }
      return inPlace;
    }

    async function mergeLabels(resource: ResourceRef, name: string, labels: Record<string, string>): Promise<void> {
      await deps.client.request(resourcePath(resource, namespace, name), {
        method: 'PATCH',
        contentType: 'application/merge-patch+json',
        body: { metadata: { labels } },
      });
    }

    async function writeStatus(
      current: VirtualAppliance,
      fields: Partial<VirtualApplianceStatus>,
      kstatus: KStatus,
    ): Promise<void> {
      const conditions = setKStatus(
        current.status?.conditions,
        kstatus,
        generation === undefined ? {} : { observedGeneration: generation },
      );
      const status = { ...fields, ...(generation === undefined ? {} : { observedGeneration: generation }), conditions };
      if (statusUnchanged(current.status, status)) return;
      await applyStatus(deps.client, {
        apiVersion: API_VERSION,
        kind: VIRTUAL_APPLIANCE_KIND,
        metadata: { name: req.name, namespace },
        status,
      });
      const before = readKStatus(current.status?.conditions);
      if (before !== kstatus.state) {
        if (kstatus.state === 'Stalled') await deps.events.warning(current, kstatus.reason, kstatus.message ?? '');
        else if (kstatus.state === 'Ready') await deps.events.normal(current, 'Ready', kstatus.message ?? '');
      }
    }
  };
}

/** The VM labelled as this member in the active slot (after a cut-over it is the former clone). */
function servingVmName(applianceVms: readonly VirtualMachine[], member: string, slot: Slot): string | undefined {
  return applianceVms.find(
    (vm) => vm.metadata?.labels?.[LABEL_MEMBER] === member && vm.metadata.labels[LABEL_SLOT] === slot,
  )?.metadata?.name;
}

function statusUnchanged(
  current: VirtualApplianceStatus | undefined,
  next: Partial<VirtualApplianceStatus> & { conditions: Condition[] },
): boolean {
  if (current === undefined) return false;
  if (!conditionsEqual(current.conditions, next.conditions)) return false;
  const pick = (s: Partial<VirtualApplianceStatus>) =>
    JSON.stringify([s.observedGeneration, s.readyMembers, s.members]);
  return pick(current) === pick(next);
}

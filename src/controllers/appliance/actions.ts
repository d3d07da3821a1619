// The writes one pass of the VirtualAppliance controller needs, decided from what it observed.
// Pure: the reconciler carries them out, in this order, and records their Events.
import { LABEL_SLOT, type Slot } from '../../api/v1alpha1/index.ts';
import type { KubeObject } from '../../runtime/object.ts';
import type { ResourceRef } from '../../runtime/resources.ts';
import { selectsSlot, slotSelectorApply } from '../shared/service-slot.ts';
import { adoptionApply, hasLabels, isAdopted } from './adoption.ts';
import type { ApplianceSeen } from './observe.ts';
import { LAUNCHER_PODS, VMIS } from './resources.ts';

export type ApplianceAction =
  /** status.activeSlot at first sight (a merge patch: afterwards only a plan's cut-over writes it). */
  | { readonly kind: 'recordSlot'; readonly slot: Slot }
  /** Server-side apply of a configuration (adoption of a VM, a Service's selector). */
  | { readonly kind: 'apply'; readonly object: KubeObject; readonly event?: string; readonly eventReason?: string }
  /** Labels on a running VMI or launcher Pod (KubeVirt copies template labels only at start). */
  | {
      readonly kind: 'label';
      readonly resource: ResourceRef;
      readonly name: string;
      readonly labels: Record<string, string>;
    };

export function applianceActions(seen: ApplianceSeen): ApplianceAction[] {
  const actions: ApplianceAction[] = [];
  if (seen.appliance.status?.activeSlot === undefined) actions.push({ kind: 'recordSlot', slot: seen.activeSlot });
  // 1. Adopt each member's serving VM and label what is already running.
  let liveLabelsInPlace = true;
  for (const m of seen.members) {
    if (m.vm === undefined || m.ownership?.state === 'other') continue;
    if (!isAdopted(m.vm, seen.ref, m.labels)) {
      actions.push({
        kind: 'apply',
        object: adoptionApply(m.vmName, seen.ref, m.labels),
        ...(m.ownership?.state === 'free'
          ? {
              eventReason: 'Adopted',
              event: `Adopted VirtualMachine ${m.vmName} as member ${m.member.name} in slot ${seen.activeSlot}`,
            }
          : {}),
      });
    }
    if (m.vmi === undefined) continue;
    for (const [resource, obj] of [[VMIS, m.vmi] as const, ...m.pods.map((p) => [LAUNCHER_PODS, p] as const)]) {
      if (hasLabels(obj.metadata?.labels, m.labels)) continue;
      liveLabelsInPlace = false;
      actions.push({ kind: 'label', resource, name: obj.metadata?.name ?? '', labels: { ...m.labels } });
    }
  }
  // 2. Services follow the active slot, once the running Pods carry the slot label.
  if (!seen.planOwnsTraffic && liveLabelsInPlace) {
    for (const { name, service } of seen.services) {
      if (service === undefined || selectsSlot(service, seen.activeSlot)) continue;
      actions.push({
        kind: 'apply',
        object: slotSelectorApply(service, seen.activeSlot),
        eventReason: 'ServiceSelectsSlot',
        event: `Service ${name} now selects ${LABEL_SLOT}=${seen.activeSlot}`,
      });
    }
  }
  return actions;
}

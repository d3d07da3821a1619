// The writes one pass of the VirtualAppliance controller needs, decided from what it observed.
// Pure: the reconciler carries them out, in this order, and records their Events.
import { BASE_IMAGE_PREFIX, LABEL_SLOT, baseImageLabel, type Slot } from '../../api/v1alpha1/index.ts';
import type { KubeObject } from '../../runtime/object.ts';
import type { ResourceRef } from '../../runtime/resources.ts';
import { provenanceAnnotations, versionLabel } from '../shared/provenance.ts';
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
    }
  /** Labels on the appliance itself: base.vapp.dev/<image>=<version label>; null removes a stale one. */
  | { readonly kind: 'labelAppliance'; readonly labels: Record<string, string | null> }
  /**
   * The provenance of a member's root disk, as annotations on its VM, once it is known exactly:
   * KubeVirt copies a VM's annotations to its clones, whose root disk is a restored copy.
   */
  | { readonly kind: 'annotateVm'; readonly name: string; readonly annotations: Record<string, string> };

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
  // 2. The provenance of the members' root disks: on the VMs, and as the appliance's labels.
  for (const m of seen.members) {
    const p = m.baseImage?.provenance;
    if (m.vm === undefined || m.ownership?.state === 'other' || p?.version === undefined || m.baseImage === undefined)
      continue;
    if (p.determinedBy !== 'Provenance' && p.determinedBy !== 'DataVolumeSource') continue;
    const wanted = provenanceAnnotations(m.baseImage.image, p.version, p.source?.replace(' ', '/'));
    if (!hasLabels(m.vm.metadata?.annotations, wanted))
      actions.push({ kind: 'annotateVm', name: m.vmName, annotations: wanted });
  }
  const labels = baseImageLabels(seen);
  if (labels !== undefined) actions.push({ kind: 'labelAppliance', labels });
  // 3. Services follow the active slot, once the running Pods carry the slot label.
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

/**
 * The appliance's base.vapp.dev/<image> labels: the version label when every member on that image
 * runs the same version, `unknown` when one is unknown, `mixed` when they differ; stale keys are
 * removed. Undefined when the labels are already so. `kubectl get vapp -l 'base.vapp.dev/fedora!=<label>'`
 * then lists the appliances behind.
 */
export function baseImageLabels(
  seen: Pick<ApplianceSeen, 'appliance' | 'members'>,
): Record<string, string | null> | undefined {
  const byImage = new Map<string, Set<string>>();
  for (const m of seen.members) {
    if (m.baseImage === undefined) continue;
    const key = baseImageLabel(m.baseImage.name);
    const version = m.baseImage.provenance?.version;
    const value = version === undefined ? 'unknown' : (m.baseImage.label ?? versionLabel(version));
    byImage.set(key, (byImage.get(key) ?? new Set()).add(value));
  }
  const wanted: Record<string, string | null> = {};
  for (const [key, values] of byImage)
    wanted[key] = values.has('unknown') ? 'unknown' : values.size === 1 ? ([...values][0] ?? '') : 'mixed';
  const current = seen.appliance.metadata.labels ?? {};
  for (const key of Object.keys(current)) if (key.startsWith(BASE_IMAGE_PREFIX) && !(key in wanted)) wanted[key] = null;
  const same = Object.entries(wanted).every(([k, v]) => (v === null ? !(k in current) : current[k] === v));
  return same ? undefined : wanted;
}

// What a pass of the VirtualAppliance controller decides from, read from the caches, no writes:
// the parsed spec, the serving slot and, for each member, its serving VM, VMI and launcher Pods.
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import {
  LABEL_MEMBER,
  LABEL_SLOT,
  type Member,
  type Slot,
  type VirtualAppliance,
  type VirtualApplianceSpec,
} from '../../api/v1alpha1/index.ts';
import { issuesLine, safeParseVirtualApplianceSpec } from '../../api/v1alpha1/parse.ts';
import type { VirtualMachine, VirtualMachineInstance } from '../../kubevirt/types.ts';
import type { Store } from '../../runtime/store.ts';
import { memberLabels, ownershipOf, type ApplianceRef, type Ownership } from './adoption.ts';
import { BY_CREATED_BY, vmsOfAppliance } from './indexes.ts';

export interface MemberSeen {
  readonly member: Member;
  /** The VM serving the member: the active slot's copy (after a cut-over, the former clone), else spec.members[].vm. */
  readonly vmName: string;
  readonly vm?: VirtualMachine;
  readonly vmi?: VirtualMachineInstance;
  /** The virt-launcher Pods of the running VMI. */
  readonly pods: readonly V1Pod[];
  readonly ownership?: Ownership;
  /** The labels adoption puts on the VM, its template, its VMI and Pods. */
  readonly labels: Readonly<Record<string, string>>;
}

export interface ApplianceSeen {
  readonly appliance: VirtualAppliance;
  readonly spec: VirtualApplianceSpec;
  readonly ref: ApplianceRef;
  /** status.activeSlot, blue at first sight. */
  readonly activeSlot: Slot;
  /** While a plan is active it owns the traffic: the Services are left to it. */
  readonly planOwnsTraffic: boolean;
  readonly members: readonly MemberSeen[];
  readonly services: readonly { readonly name: string; readonly service?: V1Service }[];
}

export type ApplianceObservation =
  | { readonly kind: 'invalid'; readonly appliance: VirtualAppliance; readonly message: string }
  | ({ readonly kind: 'appliance' } & ApplianceSeen);

export interface ApplianceSources {
  readonly vms: Store<VirtualMachine>;
  readonly vmis: Store<VirtualMachineInstance>;
  readonly pods: Store<V1Pod>;
  readonly services: Store<V1Service>;
}

export function observeAppliance(appliance: VirtualAppliance, sources: ApplianceSources): ApplianceObservation {
  const parsed = safeParseVirtualApplianceSpec(appliance.spec);
  if (!parsed.ok) return { kind: 'invalid', appliance, message: issuesLine(parsed.error) };
  const spec = parsed.value;
  const namespace = appliance.metadata.namespace ?? '';
  const name = appliance.metadata.name ?? '';
  const ref: ApplianceRef = { name, namespace, uid: appliance.metadata.uid ?? '' };
  const activeSlot: Slot = appliance.status?.activeSlot ?? 'blue';
  const labelled = vmsOfAppliance(sources.vms, namespace, name);
  const members = spec.members.map((member): MemberSeen => {
    const labels = memberLabels(name, member.name, activeSlot);
    const vmName = servingVmName(labelled, member.name, activeSlot) ?? member.vm;
    const vm = sources.vms.get(`${namespace}/${vmName}`);
    if (vm === undefined) return { member, vmName, pods: [], labels };
    const vmi = sources.vmis.get(`${namespace}/${vmName}`);
    const pods =
      vmi === undefined ? [] : sources.pods.byIndex(BY_CREATED_BY, `${namespace}/${vmi.metadata?.uid ?? ''}`);
    return { member, vmName, vm, ...(vmi ? { vmi } : {}), pods, ownership: ownershipOf(vm, ref), labels };
  });
  return {
    kind: 'appliance',
    appliance,
    spec,
    ref,
    activeSlot,
    planOwnsTraffic: (appliance.status?.activePlan ?? '') !== '',
    members,
    services: spec.services.map((s) => {
      const service = sources.services.get(`${namespace}/${s}`);
      return service === undefined ? { name: s } : { name: s, service };
    }),
  };
}

/** The VM labelled as this member in the active slot (after a cut-over it is the former clone). */
function servingVmName(applianceVms: readonly VirtualMachine[], member: string, slot: Slot): string | undefined {
  return applianceVms.find(
    (vm) => vm.metadata?.labels?.[LABEL_MEMBER] === member && vm.metadata.labels[LABEL_SLOT] === slot,
  )?.metadata?.name;
}

// What a pass of the VirtualAppliance controller decides from, read from the caches, no writes:
// the parsed spec, the serving slot and, for each member, its serving VM, VMI and launcher Pods.
import type { V1PersistentVolumeClaim, V1Pod, V1Service } from '@kubernetes/client-node';
import {
  LABEL_MEMBER,
  LABEL_SLOT,
  type BaseImage,
  type Member,
  type Slot,
  type VirtualAppliance,
  type VirtualApplianceSpec,
} from '../../api/v1alpha1/index.ts';
import { issuesLine, safeParseBaseImage, safeParseVirtualApplianceSpec } from '../../api/v1alpha1/parse.ts';
import type { DataVolume, VirtualMachine, VirtualMachineInstance } from '../../kubevirt/types.ts';
import type { Store } from '../../runtime/store.ts';
import { catalogOf, imageKey, provenanceOf, type Provenance } from '../shared/provenance.ts';
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
  /** With spec.members[].baseImage: the version its root disk runs, or why the BaseImage cannot be read. */
  readonly baseImage?: MemberBaseImageSeen;
}

export interface MemberBaseImageSeen {
  /** `<namespace>/<name>` of the BaseImage. */
  readonly image: string;
  /** The BaseImage's name (the key of the appliance's label base.vapp.dev/<name>). */
  readonly name: string;
  readonly provenance?: Provenance;
  /** The label value of the version. */
  readonly label?: string;
  readonly displayVersion?: string;
  /** Why there is no provenance: the BaseImage is missing or invalid. */
  readonly problem?: string;
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
  readonly baseImages: Store<BaseImage>;
  readonly dataVolumes: Store<DataVolume>;
  readonly pvcs: Store<V1PersistentVolumeClaim>;
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
    const baseImage = baseImageSeen(member, namespace, vm, vmi, sources);
    return {
      member,
      vmName,
      vm,
      ...(vmi ? { vmi } : {}),
      pods,
      ownership: ownershipOf(vm, ref),
      labels,
      ...(baseImage ? { baseImage } : {}),
    };
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

/** The provenance of a member's root disk, against its BaseImage's versions. */
function baseImageSeen(
  member: Member,
  namespace: string,
  vm: VirtualMachine,
  vmi: VirtualMachineInstance | undefined,
  sources: ApplianceSources,
): MemberBaseImageSeen | undefined {
  const declared = member.baseImage;
  if (declared === undefined) return undefined;
  const image = imageKey(declared.ref, namespace);
  const name = declared.ref.name;
  const raw = sources.baseImages.get(image);
  if (raw === undefined) return { image, name, problem: `BaseImage ${image} not found` };
  const parsed = safeParseBaseImage(raw);
  if (!parsed.ok) return { image, name, problem: `BaseImage ${image} is invalid: ${issuesLine(parsed.error)}` };
  const provenance = provenanceOf({
    catalog: catalogOf(parsed.value),
    vm,
    ...(vmi ? { vmi } : {}),
    volume: declared.volume,
    lookup: {
      dataVolume: (ns, n) => sources.dataVolumes.get(`${ns}/${n}`),
      pvc: (ns, n) => sources.pvcs.get(`${ns}/${n}`),
    },
  });
  const entry = provenance.entry;
  return {
    image,
    name,
    provenance,
    ...(entry ? { label: entry.label, displayVersion: entry.displayVersion } : {}),
  };
}

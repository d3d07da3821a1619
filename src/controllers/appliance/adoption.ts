// Adoption: a member VM becomes a child of its appliance. The labels go on the VM, on its template
// (so every future VMI and virt-launcher Pod carries them) and on the running VMI and Pod (KubeVirt
// copies template labels only when a VM starts; without this, a Service selecting vapp.dev/slot
// would lose its endpoints until the VM restarts).
import {
  API_VERSION,
  LABEL_APPLIANCE,
  LABEL_MEMBER,
  LABEL_SLOT,
  VIRTUAL_APPLIANCE_KIND,
  type Slot,
} from '../../api/v1alpha1/index.ts';
import type { VirtualMachine } from '../../kubevirt/types.ts';

/** The appliance as adoption needs it. */
export interface ApplianceRef {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

/** Whether a VM is free to adopt, already ours, or owned by another appliance. */
export type Ownership = { readonly state: 'free' | 'ours' } | { readonly state: 'other'; readonly appliance: string };

export function ownershipOf(vm: VirtualMachine, appliance: ApplianceRef): Ownership {
  const owner = (vm.metadata?.ownerReferences ?? []).find(
    (o) => o.kind === VIRTUAL_APPLIANCE_KIND && o.apiVersion.startsWith(`${API_VERSION.split('/')[0] ?? ''}/`),
  );
  if (owner !== undefined && owner.uid !== appliance.uid) return { state: 'other', appliance: owner.name };
  const label = vm.metadata?.labels?.[LABEL_APPLIANCE];
  if (label !== undefined && label !== appliance.name) return { state: 'other', appliance: label };
  return owner !== undefined ? { state: 'ours' } : { state: 'free' };
}

/** The labels every object of a member in a slot carries. */
export function memberLabels(appliance: string, member: string, slot: Slot): Record<string, string> {
  return { [LABEL_APPLIANCE]: appliance, [LABEL_MEMBER]: member, [LABEL_SLOT]: slot };
}

/** True when all `labels` are present with these values. */
export function hasLabels(
  actual: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(labels).every(([k, v]) => actual?.[k] === v);
}

/** True when the VM already carries everything adoption applies. */
export function isAdopted(
  vm: VirtualMachine,
  appliance: ApplianceRef,
  labels: Readonly<Record<string, string>>,
): boolean {
  return (
    ownershipOf(vm, appliance).state === 'ours' &&
    hasLabels(vm.metadata?.labels, labels) &&
    hasLabels(vm.spec.template.metadata?.labels, labels)
  );
}

/**
 * The server-side apply configuration that adopts a VM: only the fields the operator owns.
 * The ownerReference is not a controller reference: KubeVirt's VM controller is not ours to
 * displace, and a VM can be inspected or stopped by other tools while it is adopted.
 */
export function adoptionApply(
  vmName: string,
  appliance: ApplianceRef,
  labels: Readonly<Record<string, string>>,
): VirtualMachine {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: {
      name: vmName,
      namespace: appliance.namespace,
      labels: { ...labels },
      ownerReferences: [
        {
          apiVersion: API_VERSION,
          kind: VIRTUAL_APPLIANCE_KIND,
          name: appliance.name,
          uid: appliance.uid,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { template: { metadata: { labels: { ...labels } } } },
  };
}

// The VM's spec at the moment its VMI starts, as virt-controller keeps it: a ControllerRevision
// `revision-start-vm-<vm uid>-<generation>` owned by the VM, holding the whole VM as JSON, named in
// the VMI's status.virtualMachineRevisionName (kubevirt pkg/virt-controller/watch/vm/vm.go:
// createVMRevision, startVMI). A snapshot of a running VM copies this spec, not the current one
// (pkg/storage/snapshot/source.go: vmSnapshotSource.Spec), so template changes made while it runs
// (labels, say) are not in a clone made from it.
import type { VirtualMachine, VirtualMachineInstance } from '../../kubevirt/types.ts';
import { KUBEVIRT } from '../../kubevirt/types.ts';

/** The annotation virt-controller puts on a VMI: the generation of the VM it was started from. */
export const VM_GENERATION_ANNOTATION = 'kubevirt.io/vm-generation';

export function vmRevisionName(vmUid: string, generation: number | string): string {
  return `revision-start-vm-${vmUid}-${String(generation)}`;
}

/** The ControllerRevision of a VM about to start. */
export interface ControllerRevisionJson {
  apiVersion: 'apps/v1';
  kind: 'ControllerRevision';
  metadata: {
    name: string;
    namespace?: string | undefined;
    ownerReferences: {
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller: true;
      blockOwnerDeletion: true;
    }[];
  };
  data: VirtualMachine;
  revision: number;
}

export function startRevisionFor(vm: VirtualMachine): ControllerRevisionJson {
  const m = vm.metadata ?? {};
  const generation = m.generation ?? 1;
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: vmRevisionName(m.uid ?? '', generation),
      namespace: m.namespace,
      ownerReferences: [
        {
          apiVersion: vm.apiVersion ?? `${KUBEVIRT.virtualMachines.group}/${KUBEVIRT.virtualMachines.version}`,
          kind: KUBEVIRT.virtualMachines.kind,
          name: m.name ?? '',
          uid: m.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    data: {
      apiVersion: vm.apiVersion,
      kind: vm.kind,
      metadata: {
        name: m.name,
        namespace: m.namespace,
        uid: m.uid,
        generation,
        ...(m.labels ? { labels: { ...m.labels } } : {}),
        ...(m.annotations ? { annotations: { ...m.annotations } } : {}),
      },
      spec: structuredClone(vm.spec),
    },
    revision: generation,
  };
}

/** The revision a VMI was started from (its status, else the generation annotation virt-controller set). */
export function revisionNameOf(vmi: VirtualMachineInstance): string | undefined {
  if (vmi.status?.virtualMachineRevisionName) return vmi.status.virtualMachineRevisionName;
  const owner = vmi.metadata?.ownerReferences?.find((o) => o.controller === true);
  const generation = vmi.metadata?.annotations?.[VM_GENERATION_ANNOTATION];
  return owner === undefined || generation === undefined ? undefined : vmRevisionName(owner.uid, generation);
}

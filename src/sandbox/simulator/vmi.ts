// The VirtualMachineInstance that virt-controller creates for a VM that should run.
import type { VirtualMachine, VirtualMachineInstance } from '../../kubevirt/types.ts';
import { KUBEVIRT } from '../../kubevirt/types.ts';
import { VM_GENERATION_ANNOTATION } from './revision.ts';

const API_VERSION = `${KUBEVIRT.virtualMachineInstances.group}/${KUBEVIRT.virtualMachineInstances.version}`;

/**
 * The VMI for `vm`: same name, labels and annotations of the template as they are now (they are
 * copied at start only: later template changes reach the next VMI, not this one), the template's
 * spec, and a controller ownerReference so that the garbage collector removes it with the VM.
 */
export function vmiForVm(vm: VirtualMachine): VirtualMachineInstance {
  const meta = vm.spec.template.metadata;
  return {
    apiVersion: API_VERSION,
    kind: KUBEVIRT.virtualMachineInstances.kind,
    metadata: {
      name: vm.metadata?.name,
      namespace: vm.metadata?.namespace,
      ...(meta?.labels ? { labels: { ...meta.labels } } : {}),
      annotations: { ...meta?.annotations, [VM_GENERATION_ANNOTATION]: String(vm.metadata?.generation ?? 1) },
      ownerReferences: [
        {
          apiVersion: vm.apiVersion ?? `${KUBEVIRT.virtualMachines.group}/${KUBEVIRT.virtualMachines.version}`,
          kind: KUBEVIRT.virtualMachines.kind,
          name: vm.metadata?.name ?? '',
          uid: vm.metadata?.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: structuredClone(vm.spec.template.spec ?? { domain: { devices: {} } }),
  };
}

/** True when `vmi` was created for this incarnation of `vm` (same owner uid). */
export function isOwnedBy(vmi: VirtualMachineInstance, vm: VirtualMachine): boolean {
  return vmi.metadata?.ownerReferences?.some((o) => o.controller === true && o.uid === vm.metadata?.uid) ?? false;
}

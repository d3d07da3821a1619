// The kinds the VirtualAppliance controller reads and writes, typed by their objects.
import type { VirtualAppliance } from '../../api/v1alpha1/index.ts';
import { GROUP, VERSION, VIRTUAL_APPLIANCE_KIND, VIRTUAL_APPLIANCE_PLURAL } from '../../api/v1alpha1/index.ts';
import type { VirtualMachine, VirtualMachineInstance } from '../../kubevirt/types.ts';
import { KUBEVIRT } from '../../kubevirt/types.ts';
import { CORE } from '../../runtime/kinds.ts';
import type { TypedRef } from '../../runtime/resources.ts';

export const APPLIANCES: TypedRef<VirtualAppliance> = {
  group: GROUP,
  version: VERSION,
  plural: VIRTUAL_APPLIANCE_PLURAL,
  kind: VIRTUAL_APPLIANCE_KIND,
};
export const VMS: TypedRef<VirtualMachine> = KUBEVIRT.virtualMachines;
export const VMIS: TypedRef<VirtualMachineInstance> = KUBEVIRT.virtualMachineInstances;
/** The virt-launcher Pods the member VMs run in (labelled alike once adopted): no other Pod is cached. */
export const LAUNCHER_PODS = { ...CORE.pods, labelSelector: 'kubevirt.io=virt-launcher' };
export const SERVICES = CORE.services;

// The kinds both controllers read, typed by their objects: the appliance, its VMs and VMIs, its Services.
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
export const SERVICES = CORE.services;

// The kinds the VirtualAppliance controller reads and writes.
import { GROUP, VERSION, VIRTUAL_APPLIANCE_KIND, VIRTUAL_APPLIANCE_PLURAL } from '../../api/v1alpha1/index.ts';
import { KUBEVIRT } from '../../kubevirt/types.ts';
import type { ResourceRef } from '../../runtime/resources.ts';

export const APPLIANCES: ResourceRef = {
  group: GROUP,
  version: VERSION,
  plural: VIRTUAL_APPLIANCE_PLURAL,
  kind: VIRTUAL_APPLIANCE_KIND,
};
export const VMS: ResourceRef = KUBEVIRT.virtualMachines;
export const VMIS: ResourceRef = KUBEVIRT.virtualMachineInstances;
/** The virt-launcher Pods the member VMs run in (labelled alike once adopted): no other Pod is cached. */
export const LAUNCHER_PODS: ResourceRef = {
  group: '',
  version: 'v1',
  plural: 'pods',
  kind: 'Pod',
  labelSelector: 'kubevirt.io=virt-launcher',
};
export const SERVICES: ResourceRef = { group: '', version: 'v1', plural: 'services', kind: 'Service' };

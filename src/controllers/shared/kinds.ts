// The kinds more than one controller reads, typed by their objects: the appliance, its plans, the
// rollouts, the base images, the VMs and VMIs, their Services and disks.
import type { BaseImage, MaintenancePlan, MaintenanceRollout, VirtualAppliance } from '../../api/v1alpha1/index.ts';
import {
  BASE_IMAGE_KIND,
  BASE_IMAGE_PLURAL,
  GROUP,
  MAINTENANCE_PLAN_KIND,
  MAINTENANCE_PLAN_PLURAL,
  MAINTENANCE_ROLLOUT_KIND,
  MAINTENANCE_ROLLOUT_PLURAL,
  VERSION,
  VIRTUAL_APPLIANCE_KIND,
  VIRTUAL_APPLIANCE_PLURAL,
} from '../../api/v1alpha1/index.ts';
import type { DataVolume, VirtualMachine, VirtualMachineInstance } from '../../kubevirt/types.ts';
import { KUBEVIRT } from '../../kubevirt/types.ts';
import { CORE } from '../../runtime/kinds.ts';
import type { TypedRef } from '../../runtime/resources.ts';

export const APPLIANCES: TypedRef<VirtualAppliance> = {
  group: GROUP,
  version: VERSION,
  plural: VIRTUAL_APPLIANCE_PLURAL,
  kind: VIRTUAL_APPLIANCE_KIND,
};
export const PLANS: TypedRef<MaintenancePlan> = {
  group: GROUP,
  version: VERSION,
  plural: MAINTENANCE_PLAN_PLURAL,
  kind: MAINTENANCE_PLAN_KIND,
};
export const ROLLOUTS: TypedRef<MaintenanceRollout> = {
  group: GROUP,
  version: VERSION,
  plural: MAINTENANCE_ROLLOUT_PLURAL,
  kind: MAINTENANCE_ROLLOUT_KIND,
};
export const BASE_IMAGES: TypedRef<BaseImage> = {
  group: GROUP,
  version: VERSION,
  plural: BASE_IMAGE_PLURAL,
  kind: BASE_IMAGE_KIND,
};
export const VMS: TypedRef<VirtualMachine> = KUBEVIRT.virtualMachines;
export const VMIS: TypedRef<VirtualMachineInstance> = KUBEVIRT.virtualMachineInstances;
export const SERVICES = CORE.services;
/** Every PVC: the appliances' disks, the plans' replicas, the base images' imports. */
export const PVCS = CORE.persistentVolumeClaims;
/** Every CDI DataVolume: root disks, the imports of base images, the plans' new root disks. */
export const DATA_VOLUMES: TypedRef<DataVolume> = KUBEVIRT.dataVolumes;

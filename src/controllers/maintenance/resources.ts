// The kinds the MaintenancePlan controller reads and writes, typed by their objects.
import type { MaintenancePlan } from '../../api/v1alpha1/index.ts';
import { GROUP, MAINTENANCE_PLAN_KIND, MAINTENANCE_PLAN_PLURAL, VERSION } from '../../api/v1alpha1/index.ts';
import type {
  VirtualMachineClone,
  VirtualMachineSnapshot,
  VirtualMachineSnapshotContent,
} from '../../kubevirt/types.ts';
import { KUBEVIRT } from '../../kubevirt/types.ts';
import { BATCH, CORE, NETWORKING, SNAPSHOT_STORAGE } from '../../runtime/kinds.ts';
import type { TypedRef } from '../../runtime/resources.ts';
import { LABEL_PLAN } from './names.ts';

export { APPLIANCES, SERVICES, VMIS, VMS } from '../shared/kinds.ts';

/** Kinds only a plan creates are cached by its label alone: the rest of the cluster's are never read. */
const planChildren = <T>(ref: TypedRef<T>): TypedRef<T> => ({ ...ref, labelSelector: LABEL_PLAN });

export const PLANS: TypedRef<MaintenancePlan> = {
  group: GROUP,
  version: VERSION,
  plural: MAINTENANCE_PLAN_PLURAL,
  kind: MAINTENANCE_PLAN_KIND,
};
export const VM_SNAPSHOTS = planChildren<VirtualMachineSnapshot>(KUBEVIRT.snapshots);
export const VM_SNAPSHOT_CONTENTS: TypedRef<VirtualMachineSnapshotContent> = KUBEVIRT.snapshotContents;
export const VM_CLONES = planChildren<VirtualMachineClone>(KUBEVIRT.clones);
/** Update, check and data-sync Jobs, and their Pods (the Job template carries the plan's labels). */
export const JOBS = planChildren(BATCH.jobs);
export const JOB_PODS = planChildren(CORE.pods);
/** Not by label: the original VMs' own claims, and the clone's scratch volumes KubeVirt restores, are read too. */
export const PVCS = CORE.persistentVolumeClaims;
export const VOLUME_SNAPSHOTS = planChildren(SNAPSHOT_STORAGE.volumeSnapshots);
export const NETWORK_POLICIES = planChildren(NETWORKING.networkPolicies);

// The kinds the MaintenancePlan controller reads and writes, typed by their objects.
import type {
  VirtualMachineClone,
  VirtualMachineSnapshot,
  VirtualMachineSnapshotContent,
} from '../../kubevirt/types.ts';
import { KUBEVIRT } from '../../kubevirt/types.ts';
import { BATCH, CORE, NETWORKING, SNAPSHOT_STORAGE } from '../../runtime/kinds.ts';
import type { TypedRef } from '../../runtime/resources.ts';
import { LABEL_PLAN } from './names.ts';

export { APPLIANCES, BASE_IMAGES, DATA_VOLUMES, PLANS, PVCS, SERVICES, VMIS, VMS } from '../shared/kinds.ts';

/** Kinds only a plan creates are cached by its label alone: the rest of the cluster's are never read. */
const planChildren = <T>(ref: TypedRef<T>): TypedRef<T> => ({ ...ref, labelSelector: LABEL_PLAN });

export const VM_SNAPSHOTS = planChildren<VirtualMachineSnapshot>(KUBEVIRT.snapshots);
export const VM_SNAPSHOT_CONTENTS: TypedRef<VirtualMachineSnapshotContent> = KUBEVIRT.snapshotContents;
export const VM_CLONES = planChildren<VirtualMachineClone>(KUBEVIRT.clones);
/** Update, check and data-sync Jobs, and their Pods (the Job template carries the plan's labels). */
export const JOBS = planChildren(BATCH.jobs);
export const JOB_PODS = planChildren(CORE.pods);
export const VOLUME_SNAPSHOTS = planChildren(SNAPSHOT_STORAGE.volumeSnapshots);
export const NETWORK_POLICIES = planChildren(NETWORKING.networkPolicies);

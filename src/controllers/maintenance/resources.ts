// The kinds the MaintenancePlan controller reads and writes.
import { GROUP, MAINTENANCE_PLAN_KIND, MAINTENANCE_PLAN_PLURAL, VERSION } from '../../api/v1alpha1/index.ts';
import { KUBEVIRT } from '../../kubevirt/types.ts';
import type { ResourceRef } from '../../runtime/resources.ts';

export { APPLIANCES, PODS, SERVICES, VMIS, VMS } from '../appliance/resources.ts';
export const PLANS: ResourceRef = { group: GROUP, version: VERSION, plural: MAINTENANCE_PLAN_PLURAL, kind: MAINTENANCE_PLAN_KIND };
export const VM_SNAPSHOTS: ResourceRef = KUBEVIRT.snapshots;
export const VM_SNAPSHOT_CONTENTS: ResourceRef = KUBEVIRT.snapshotContents;
export const VM_CLONES: ResourceRef = KUBEVIRT.clones;
export const JOBS: ResourceRef = { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job' };
export const PVCS: ResourceRef = { group: '', version: 'v1', plural: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim' };
export const VOLUME_SNAPSHOTS: ResourceRef = { group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshots', kind: 'VolumeSnapshot' };
export const NETWORK_POLICIES: ResourceRef = { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy' };

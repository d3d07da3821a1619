// The kinds the MaintenancePlan controller reads and writes.
import { GROUP, MAINTENANCE_PLAN_KIND, MAINTENANCE_PLAN_PLURAL, VERSION } from '../../api/v1alpha1/index.ts';
import { KUBEVIRT } from '../../kubevirt/types.ts';
import type { ResourceRef } from '../../runtime/resources.ts';
import { LABEL_PLAN } from './names.ts';

export { APPLIANCES, SERVICES, VMIS, VMS } from '../appliance/resources.ts';

/** Kinds only a plan creates are cached by its label alone: the rest of the cluster's are never read. */
const planChildren = (ref: ResourceRef): ResourceRef => ({ ...ref, labelSelector: LABEL_PLAN });

export const PLANS: ResourceRef = {
  group: GROUP,
  version: VERSION,
  plural: MAINTENANCE_PLAN_PLURAL,
  kind: MAINTENANCE_PLAN_KIND,
};
export const VM_SNAPSHOTS: ResourceRef = planChildren(KUBEVIRT.snapshots);
export const VM_SNAPSHOT_CONTENTS: ResourceRef = KUBEVIRT.snapshotContents;
export const VM_CLONES: ResourceRef = planChildren(KUBEVIRT.clones);
/** Update, check and data-sync Jobs, and their Pods (the Job template carries the plan's labels). */
export const JOBS: ResourceRef = planChildren({ group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job' });
export const JOB_PODS: ResourceRef = planChildren({ group: '', version: 'v1', plural: 'pods', kind: 'Pod' });
/** Not by label: the original VMs' own claims, and the clone's scratch volumes KubeVirt restores, are read too. */
export const PVCS: ResourceRef = {
  group: '',
  version: 'v1',
  plural: 'persistentvolumeclaims',
  kind: 'PersistentVolumeClaim',
};
export const VOLUME_SNAPSHOTS: ResourceRef = planChildren({
  group: 'snapshot.storage.k8s.io',
  version: 'v1',
  plural: 'volumesnapshots',
  kind: 'VolumeSnapshot',
});
export const NETWORK_POLICIES: ResourceRef = planChildren({
  group: 'networking.k8s.io',
  version: 'v1',
  plural: 'networkpolicies',
  kind: 'NetworkPolicy',
});

// API coordinates of the kinds the storage simulator reads and writes.
import { KUBEVIRT } from '../../../kubevirt/types.ts';
import type { ResourceRef } from '../../../runtime/resources.ts';

export const STORAGE_RESOURCES = {
  pvcs: { group: '', version: 'v1', plural: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim' },
  pods: { group: '', version: 'v1', plural: 'pods', kind: 'Pod' },
  configMaps: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' },
  services: { group: '', version: 'v1', plural: 'services', kind: 'Service' },
  jobs: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job' },
  controllerRevisions: { group: 'apps', version: 'v1', plural: 'controllerrevisions', kind: 'ControllerRevision' },
  storageClasses: {
    group: 'storage.k8s.io',
    version: 'v1',
    plural: 'storageclasses',
    kind: 'StorageClass',
    namespaced: false,
  },
  volumeSnapshotClasses: {
    group: 'snapshot.storage.k8s.io',
    version: 'v1',
    plural: 'volumesnapshotclasses',
    kind: 'VolumeSnapshotClass',
    namespaced: false,
  },
  volumeSnapshotContents: {
    group: 'snapshot.storage.k8s.io',
    version: 'v1',
    plural: 'volumesnapshotcontents',
    kind: 'VolumeSnapshotContent',
    namespaced: false,
  },
  volumeSnapshots: {
    group: 'snapshot.storage.k8s.io',
    version: 'v1',
    plural: 'volumesnapshots',
    kind: 'VolumeSnapshot',
  },
  vms: { ...KUBEVIRT.virtualMachines },
  vmis: { ...KUBEVIRT.virtualMachineInstances },
  vmSnapshots: { ...KUBEVIRT.snapshots },
  vmSnapshotContents: { ...KUBEVIRT.snapshotContents },
  vmRestores: { ...KUBEVIRT.restores },
  vmClones: { ...KUBEVIRT.clones },
} as const satisfies Record<string, ResourceRef>;

export { apiVersionOf } from '../../../runtime/resources.ts';

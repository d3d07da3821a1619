// API coordinates of the built-in kinds the operator and the sandbox read and write, declared once
// and typed by their objects (KubeVirt's are in src/kubevirt/types.ts).
import type {
  V1ConfigMap,
  V1Job,
  V1NetworkPolicy,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';
import type { TypedRef } from './resources.ts';

/** The core group (''). */
export const CORE = {
  pods: { group: '', version: 'v1', plural: 'pods', kind: 'Pod' } as TypedRef<V1Pod>,
  services: { group: '', version: 'v1', plural: 'services', kind: 'Service' } as TypedRef<V1Service>,
  persistentVolumeClaims: {
    group: '',
    version: 'v1',
    plural: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim',
  } as TypedRef<V1PersistentVolumeClaim>,
  configMaps: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' } as TypedRef<V1ConfigMap>,
} as const;

export const BATCH = {
  jobs: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job' } as TypedRef<V1Job>,
} as const;

export const NETWORKING = {
  networkPolicies: {
    group: 'networking.k8s.io',
    version: 'v1',
    plural: 'networkpolicies',
    kind: 'NetworkPolicy',
  } as TypedRef<V1NetworkPolicy>,
} as const;

/** A CSI VolumeSnapshot as the operator reads it (snapshot.storage.k8s.io/v1). */
export interface VolumeSnapshot {
  apiVersion?: string;
  kind?: string;
  metadata?: V1Pod['metadata'];
  spec?: {
    source?: { persistentVolumeClaimName?: string; volumeSnapshotContentName?: string };
    volumeSnapshotClassName?: string;
  };
  status?: {
    readyToUse?: boolean;
    creationTime?: string;
    restoreSize?: string;
    boundVolumeSnapshotContentName?: string;
    error?: { message?: string; time?: string };
  };
}

export const SNAPSHOT_STORAGE = {
  volumeSnapshots: {
    group: 'snapshot.storage.k8s.io',
    version: 'v1',
    plural: 'volumesnapshots',
    kind: 'VolumeSnapshot',
  } as TypedRef<VolumeSnapshot>,
} as const;

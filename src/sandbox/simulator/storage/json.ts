// Plain-JSON shapes of the core and CSI objects the storage simulator handles (what the informer
// caches hold). KubeVirt kinds use the generated types of src/kubevirt/types.ts.
import type { ObjectMeta } from '../json.ts';

export type { ObjectMeta };

export interface TypedRef {
  apiGroup?: string | null;
  kind: string;
  name: string;
}

export interface PvcJson {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: {
    accessModes?: string[];
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    storageClassName?: string | null;
    volumeMode?: string;
    volumeName?: string;
    dataSource?: TypedRef | null;
    dataSourceRef?: (TypedRef & { namespace?: string }) | null;
    selector?: unknown;
  };
  status?: {
    phase?: string;
    accessModes?: string[];
    capacity?: Record<string, string>;
  };
}

export interface VolumeSnapshotJson {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec: {
    source: { persistentVolumeClaimName?: string; volumeSnapshotContentName?: string };
    volumeSnapshotClassName?: string;
  };
  status?: {
    boundVolumeSnapshotContentName?: string;
    creationTime?: string;
    readyToUse?: boolean;
    restoreSize?: string;
    error?: { message?: string; time?: string };
  };
}

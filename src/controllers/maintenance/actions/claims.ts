// PersistentVolumeClaims the plan makes from VolumeSnapshots: the replicas of the data volumes and
// each sync round's copy of a snapshot.
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { parseQuantity } from '../../../runtime/quantity.ts';
import type { StepFacts } from '../facts.ts';

/** On a replica: the VolumeSnapshotClass KubeVirt used for the volume it replicates (its rounds use it too). */
export const ANNOTATION_SNAPSHOT_CLASS = 'vapp.dev/snapshot-class';

/**
 * The size a claim restored from a snapshot of `original` asks for: the largest of the original's
 * request, its capacity (drivers round up) and the snapshot's restoreSize, since a provisioner
 * refuses a volume smaller than its snapshot (external-provisioner pkg/controller/controller.go;
 * KubeVirt asks for the same: pkg/storage/snapshot/restore.go CreateRestorePVCDef).
 */
export function restoreRequest(original: V1PersistentVolumeClaim | undefined, restoreSize?: string): string {
  const sizes = [original?.spec?.resources?.requests?.storage, original?.status?.capacity?.storage, restoreSize].filter(
    (q): q is string => q !== undefined,
  );
  if (sizes.length === 0) return '1Gi';
  return sizes.reduce((a, b) => (parseQuantity(b, 'storage') > parseQuantity(a, 'storage') ? b : a));
}

/** A PVC like `original` (access modes, class, volume mode), restored from a VolumeSnapshot, at least its restoreSize. */
export function restoredClaim(
  facts: Pick<StepFacts, 'namespace' | 'labels' | 'owner'>,
  name: string,
  original: V1PersistentVolumeClaim | undefined,
  snapshot: string,
  restoreSize?: string,
  annotations?: Record<string, string>,
): V1PersistentVolumeClaim {
  const spec = original?.spec;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name,
      namespace: facts.namespace,
      labels: { ...facts.labels },
      ...(annotations !== undefined ? { annotations } : {}),
      ownerReferences: [facts.owner],
    },
    spec: {
      accessModes: spec?.accessModes ?? ['ReadWriteOnce'],
      ...(spec?.storageClassName ? { storageClassName: spec.storageClassName } : {}),
      ...(spec?.volumeMode ? { volumeMode: spec.volumeMode } : {}),
      resources: { requests: { storage: restoreRequest(original, restoreSize) } },
      dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: snapshot },
    },
  };
}

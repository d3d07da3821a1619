// PersistentVolumeClaims the plan makes from VolumeSnapshots: the replicas of the data volumes and
// each sync round's copy of a snapshot.
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { StepFacts } from '../facts.ts';

/** A PVC like `original` (access modes, class, volume mode, size), restored from a VolumeSnapshot. */
export function restoredClaim(
  facts: Pick<StepFacts, 'namespace' | 'labels' | 'owner'>,
  name: string,
  original: V1PersistentVolumeClaim | undefined,
  snapshot: string,
): V1PersistentVolumeClaim {
  const spec = original?.spec;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: facts.namespace, labels: { ...facts.labels }, ownerReferences: [facts.owner] },
    spec: {
      accessModes: spec?.accessModes ?? ['ReadWriteOnce'],
      ...(spec?.storageClassName ? { storageClassName: spec.storageClassName } : {}),
      ...(spec?.volumeMode ? { volumeMode: spec.volumeMode } : {}),
      resources: { requests: { storage: spec?.resources?.requests?.storage ?? '1Gi' } },
      dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: snapshot },
    },
  };
}

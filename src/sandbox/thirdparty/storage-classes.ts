// What a cluster's CSI drivers install, played by the sandbox: a StorageClass per simulated driver
// and their VolumeSnapshotClasses, so that the default-class rules of the API server's
// DefaultStorageClass admission, of external-snapshotter and of KubeVirt apply in the sandbox as on a
// real cluster (a claim without a class gets the default one; a VolumeSnapshot without a class
// needs exactly one default class for its driver).
import type { KubeObject } from '../../runtime/object.ts';

/** The simulated CSI drivers. */
export const SANDBOX_DRIVERS = {
  /** The default: sparse files, bytes as requested. */
  local: 'local.csi.sandbox.vapp.dev',
  /** Rounds every volume up to whole GiB, as many cloud drivers do, and has no default snapshot class. */
  block: 'block.csi.sandbox.vapp.dev',
} as const;

/** The StorageClass parameter of a simulated driver: capacity is rounded up to a multiple of it. */
export const GRANULARITY_PARAMETER = 'sim.vapp.dev/capacity-granularity';

export const SANDBOX_STORAGE_CLASSES = { local: 'sandbox-local', block: 'sandbox-block' } as const;
export const SANDBOX_SNAPSHOT_CLASSES = { local: 'sandbox-local-snapshots', block: 'sandbox-block-snapshots' } as const;

export function sandboxStorageClasses(): KubeObject[] {
  const label = { 'sandbox.vapp.dev/plays': 'csi-driver' };
  return [
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: {
        name: SANDBOX_STORAGE_CLASSES.local,
        labels: label,
        annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
      },
      provisioner: SANDBOX_DRIVERS.local,
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate',
      allowVolumeExpansion: true,
    } as KubeObject,
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: SANDBOX_STORAGE_CLASSES.block, labels: label },
      provisioner: SANDBOX_DRIVERS.block,
      parameters: { [GRANULARITY_PARAMETER]: '1Gi' },
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate',
      allowVolumeExpansion: true,
    } as KubeObject,
    {
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshotClass',
      metadata: {
        name: SANDBOX_SNAPSHOT_CLASSES.local,
        labels: label,
        annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' },
      },
      driver: SANDBOX_DRIVERS.local,
      deletionPolicy: 'Delete',
    } as KubeObject,
    {
      // Not a default class: a VolumeSnapshot of a block volume must name it (KubeVirt does, as it
      // picks the one class of the volume's driver: pkg/storage/snapshot/snapshot.go).
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshotClass',
      metadata: { name: SANDBOX_SNAPSHOT_CLASSES.block, labels: label },
      driver: SANDBOX_DRIVERS.block,
      deletionPolicy: 'Delete',
    } as KubeObject,
  ];
}

// Storage and snapshot classes as the real controllers resolve them. Pure.
// - A claim's StorageClass is spec.storageClassName (the API server's DefaultStorageClass admission
//   fills it in at creation); its driver is the class's provisioner.
// - A VolumeSnapshot without a class gets the one default VolumeSnapshotClass of its volume's driver
//   (external-snapshotter pkg/common-controller/snapshot_controller.go SetDefaultSnapshotClass);
//   none, or more than one, is an error in its status.
// - KubeVirt picks the class of its own VolumeSnapshots itself: the one class of the driver, else
//   the default one among several (kubevirt pkg/storage/snapshot/snapshot.go); none: the volume
//   cannot be snapshotted.
import { parseQuantity } from '../../../runtime/quantity.ts';
import { GRANULARITY_PARAMETER } from '../../thirdparty/storage-classes.ts';
import type { PvcJson } from './json.ts';

export interface StorageClassJson {
  metadata?: { name?: string; annotations?: Record<string, string> };
  provisioner: string;
  parameters?: Record<string, string>;
  allowVolumeExpansion?: boolean;
}

export interface VolumeSnapshotClassJson {
  metadata?: { name?: string; annotations?: Record<string, string> };
  driver: string;
  deletionPolicy: string;
}

const DEFAULT_SNAPSHOT_CLASS = 'snapshot.storage.kubernetes.io/is-default-class';

export function storageClassOf(
  pvc: PvcJson | undefined,
  classes: readonly StorageClassJson[],
): StorageClassJson | undefined {
  const name = pvc?.spec?.storageClassName;
  return name === undefined ? undefined : classes.find((c) => c.metadata?.name === name);
}

/** Bytes a driver provisions for `requested`: rounded up to its granularity (a class parameter). */
export function provisionedBytes(requested: number, storageClass: StorageClassJson | undefined): number {
  const g = storageClass?.parameters?.[GRANULARITY_PARAMETER];
  const granularity = g === undefined ? 1 : parseQuantity(g, GRANULARITY_PARAMETER);
  return Math.ceil(requested / granularity) * granularity;
}

const isDefault = (c: VolumeSnapshotClassJson) => c.metadata?.annotations?.[DEFAULT_SNAPSHOT_CLASS] === 'true';

/** The class of a VolumeSnapshot as the snapshot controller resolves it, or the error it reports. */
export function snapshotClassFor(
  named: string | undefined,
  driver: string | undefined,
  classes: readonly VolumeSnapshotClassJson[],
): { readonly class: VolumeSnapshotClassJson } | { readonly error: string } {
  if (named !== undefined) {
    const c = classes.find((x) => x.metadata?.name === named);
    if (c === undefined)
      return {
        error: `failed to get snapshot class with error volumesnapshotclass.snapshot.storage.k8s.io "${named}" not found`,
      };
    if (driver !== undefined && c.driver !== driver) {
      return { error: `snapshot class ${named} is for driver ${c.driver}, the volume's driver is ${driver}` };
    }
    return { class: c };
  }
  const defaults = classes.filter((c) => c.driver === driver && isDefault(c));
  if (defaults.length === 1 && defaults[0] !== undefined) return { class: defaults[0] };
  if (defaults.length === 0) return { error: 'cannot find default snapshot class' };
  return { error: `${String(defaults.length)} default snapshot classes were found` };
}

/** The class KubeVirt gives its VolumeSnapshot of a volume of `driver`, if it can snapshot it. */
export function kubevirtSnapshotClass(
  driver: string | undefined,
  classes: readonly VolumeSnapshotClassJson[],
): VolumeSnapshotClassJson | undefined {
  const matching = classes.filter((c) => c.driver === driver);
  if (matching.length === 1) return matching[0];
  return matching.find(isDefault);
}

// What one pass of the BaseImage controller decides from, read from the caches by observe.ts: the
// image, its source (DataSource, DataImportCron, import objects), and everything that may use one
// of its versions across the watched namespaces. Read-only.
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { BaseImage, MaintenancePlan, VirtualAppliance } from '../../api/v1alpha1/index.ts';
import type {
  DataImportCron,
  DataSource,
  DataVolume,
  VirtualMachine,
  VirtualMachineInstance,
  VirtualMachineSnapshot,
} from '../../kubevirt/types.ts';
import type { VolumeSnapshot } from '../../runtime/kinds.ts';
import type { DiskLookup } from '../shared/provenance.ts';

/** The objects a version can live in, looked up by namespace and name. */
export interface ObjectLookup extends DiskLookup {
  snapshot(namespace: string, name: string): VolumeSnapshot | undefined;
}

export interface BaseImageFacts {
  /** The image, parsed (defaults applied). */
  readonly image: BaseImage;
  readonly now: Date;
  /** spec.source.dataSource's DataSource; undefined when the source is another kind or it does not exist. */
  readonly dataSource?: DataSource;
  /** The DataImportCron managing the DataSource (its cdi.kubevirt.io/dataImportCron label). */
  readonly cron?: DataImportCron;
  /** The cron's imports in the image's namespace (labelled with it): PVCs and VolumeSnapshots. */
  readonly importPvcs: readonly V1PersistentVolumeClaim[];
  readonly importSnapshots: readonly VolumeSnapshot[];
  readonly objects: ObjectLookup;
  /** Everything that may use a version, in every watched namespace. */
  readonly vms: readonly VirtualMachine[];
  readonly vmiOf: (namespace: string, name: string) => VirtualMachineInstance | undefined;
  /** Appliances with their spec parsed (an invalid one is left out: it manages no VM). */
  readonly appliances: readonly VirtualAppliance[];
  readonly plans: readonly MaintenancePlan[];
  readonly dataVolumes: readonly DataVolume[];
  readonly vmSnapshots: readonly VirtualMachineSnapshot[];
}

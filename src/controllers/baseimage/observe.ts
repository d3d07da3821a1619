// The first part of a pass of the BaseImage controller: everything it decides from, read from the
// caches, with no writes.
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { BaseImage, MaintenancePlan, VirtualAppliance } from '../../api/v1alpha1/index.ts';
import { safeParseVirtualAppliance } from '../../api/v1alpha1/parse.ts';
import { CDI_LABEL_DATA_IMPORT_CRON } from '../../kubevirt/cdi.ts';
import type {
  DataImportCron,
  DataSource,
  DataVolume,
  VirtualMachine,
  VirtualMachineInstance,
  VirtualMachineSnapshot,
} from '../../kubevirt/types.ts';
import type { VolumeSnapshot } from '../../runtime/kinds.ts';
import type { KubeObject } from '../../runtime/object.ts';
import type { Store } from '../../runtime/store.ts';
import type { BaseImageFacts } from './facts.ts';
import { cronOf } from './source.ts';

export interface BaseImageSources {
  readonly dataSources: Store<DataSource>;
  readonly crons: Store<DataImportCron>;
  readonly pvcs: Store<V1PersistentVolumeClaim>;
  readonly snapshots: Store<VolumeSnapshot>;
  readonly dataVolumes: Store<DataVolume>;
  readonly vms: Store<VirtualMachine>;
  readonly vmis: Store<VirtualMachineInstance>;
  readonly appliances: Store<VirtualAppliance>;
  readonly plans: Store<MaintenancePlan>;
  readonly vmSnapshots: Store<VirtualMachineSnapshot>;
}

export function observeBaseImage(image: BaseImage, sources: BaseImageSources, now: Date): BaseImageFacts {
  const namespace = image.metadata.namespace ?? '';
  const dsName = image.spec.source.dataSource?.name;
  const dataSource = dsName === undefined ? undefined : sources.dataSources.get(`${namespace}/${dsName}`);
  const cronName = cronOf(image, dataSource);
  const cron = cronName === undefined ? undefined : sources.crons.get(`${namespace}/${cronName}`);
  const byCron = (o: { metadata?: { namespace?: string; labels?: Record<string, string> } }) =>
    cronName !== undefined &&
    o.metadata?.namespace === namespace &&
    o.metadata.labels?.[CDI_LABEL_DATA_IMPORT_CRON] === cronName;
  const get =
    <T extends KubeObject>(store: Store<T>) =>
    (ns: string, name: string): T | undefined =>
      store.get(`${ns}/${name}`);
  return {
    image,
    now,
    ...(dataSource === undefined ? {} : { dataSource }),
    ...(cron === undefined ? {} : { cron }),
    importPvcs: cronName === undefined ? [] : sources.pvcs.list().filter(byCron),
    importSnapshots: cronName === undefined ? [] : sources.snapshots.list().filter(byCron),
    objects: {
      pvc: get(sources.pvcs),
      snapshot: get(sources.snapshots),
      dataVolume: get(sources.dataVolumes),
    },
    vms: sources.vms.list(),
    vmiOf: get(sources.vmis),
    // Only appliances with a base image need their defaults (a member's baseImage.volume).
    appliances: sources.appliances.list().flatMap((a) => {
      if (!a.spec.members.some((m) => m.baseImage !== undefined)) return [a];
      const parsed = safeParseVirtualAppliance(a);
      return parsed.ok ? [parsed.value] : [];
    }),
    // Read as cached: phase, cut-over and spec.baseImage need no defaults.
    plans: sources.plans.list(),
    dataVolumes: sources.dataVolumes.list(),
    vmSnapshots: sources.vmSnapshots.list(),
  };
}

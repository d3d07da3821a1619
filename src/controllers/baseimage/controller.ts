// The BaseImage controller: what it watches and how events map to base images. A version is used
// across namespaces (an appliance anywhere may run it), so a change of a VM, an appliance, a plan,
// a DataVolume or a VM snapshot concerns every BaseImage; a DataSource, a DataImportCron and the
// imports (PVCs, VolumeSnapshots) concern those of their namespace.
import type { BaseImage } from '../../api/v1alpha1/index.ts';
import type { ControllerDefinition, ControllerDeps, MapFunc } from '../../runtime/controller.ts';
import type { KubeObject } from '../../runtime/object.ts';
import { namespaceIndex } from '../../runtime/store.ts';
import { baseImageReconciler } from './reconciler.ts';
import {
  APPLIANCES,
  BASE_IMAGES,
  DATA_IMPORT_CRONS,
  DATA_SOURCES,
  DATA_VOLUMES,
  PLANS,
  PVCS,
  VMIS,
  VMS,
  VM_SNAPSHOTS,
  VOLUME_SNAPSHOTS,
} from './resources.ts';

const BY_NAMESPACE = 'vapp.dev/base-image-namespace';

/** A VM change that can change provenance or usage: not its status. */
function vmChanged(a: KubeObject, b: KubeObject): boolean {
  const pick = (o: KubeObject) => [
    o.metadata?.generation,
    o.metadata?.labels,
    o.metadata?.annotations,
    o.metadata?.deletionTimestamp,
  ];
  return JSON.stringify(pick(a)) !== JSON.stringify(pick(b));
}

/** A VMI change that can change what its guest reports. */
function guestChanged(a: KubeObject, b: KubeObject): boolean {
  const guest = (o: KubeObject) => (o as { status?: { guestOSInfo?: unknown } }).status?.guestOSInfo;
  return JSON.stringify(guest(a)) !== JSON.stringify(guest(b));
}

export function baseImageController(deps: ControllerDeps): ControllerDefinition {
  const images = deps.cache.informer<BaseImage>(BASE_IMAGES).store;
  if (!images.hasIndex(BY_NAMESPACE)) images.addIndex(BY_NAMESPACE, namespaceIndex);
  const request = (b: BaseImage) => ({ namespace: b.metadata.namespace ?? '', name: b.metadata.name ?? '' });
  const every: MapFunc = () => images.list().map(request);
  const inNamespace: MapFunc = (obj) => images.byIndex(BY_NAMESPACE, obj.metadata?.namespace ?? '').map(request);

  return {
    name: 'baseimage',
    backoffMaxMs: 20_000,
    reconcile: baseImageReconciler(deps),
    watches: [
      { resource: BASE_IMAGES },
      { resource: DATA_SOURCES, map: inNamespace },
      { resource: DATA_IMPORT_CRONS, map: inNamespace },
      { resource: PVCS, map: inNamespace },
      { resource: VOLUME_SNAPSHOTS, map: inNamespace },
      { resource: DATA_VOLUMES, map: every },
      { resource: VMS, map: every, updatePredicate: vmChanged },
      { resource: VMIS, map: every, updatePredicate: guestChanged },
      { resource: APPLIANCES, map: every },
      { resource: PLANS, map: every },
      { resource: VM_SNAPSHOTS, map: every },
    ],
  };
}

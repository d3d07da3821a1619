// The VirtualAppliance controller: what it watches and how events map to appliances.
import type { BaseImage, VirtualAppliance } from '../../api/v1alpha1/index.ts';
import { enqueueByLabel, type ControllerDefinition, type ControllerDeps } from '../../runtime/controller.ts';
import { labelIndex } from '../../runtime/store.ts';
import { LABEL_APPLIANCE } from '../../api/v1alpha1/index.ts';
import type { KubeObject } from '../../runtime/object.ts';
import { BY_BASE_IMAGE, BY_CREATED_BY, BY_MEMBER_VM, BY_SERVICE, applianceIndexes, appliancesFor } from './indexes.ts';
import { applianceReconciler } from './reconciler.ts';
import { APPLIANCES, BASE_IMAGES, DATA_VOLUMES, LAUNCHER_PODS, PVCS, SERVICES, VMIS, VMS } from './resources.ts';

/** What of a BaseImage the members' provenance reads: its versions, not their usage. */
function versionsChanged(a: KubeObject, b: KubeObject): boolean {
  const pick = (o: KubeObject) =>
    ((o as BaseImage).status?.versions ?? []).map((v) => [
      v.version,
      v.label,
      v.displayVersion,
      v.guestOS,
      v.source?.name,
      v.state === 'Released',
    ]);
  return JSON.stringify(pick(a)) !== JSON.stringify(pick(b)) || a.metadata?.generation !== b.metadata?.generation;
}

export function applianceController(deps: ControllerDeps): ControllerDefinition {
  const appliances = deps.cache.informer<VirtualAppliance>(APPLIANCES).store;
  applianceIndexes(appliances);
  const pods = deps.cache.informer(LAUNCHER_PODS).store;
  if (!pods.hasIndex(BY_CREATED_BY)) pods.addIndex(BY_CREATED_BY, labelIndex(BY_CREATED_BY));
  const byLabel = enqueueByLabel(LABEL_APPLIANCE);

  return {
    name: 'virtualappliance',
    reconcile: applianceReconciler(deps),
    // A member's root disk (its DataVolume and PVC) is read for its provenance; the VM's changes are watched.
    caches: [DATA_VOLUMES, PVCS],
    watches: [
      { resource: APPLIANCES },
      // A VM or VMI concerns the appliances naming it in the spec and the one whose label it carries.
      { resource: VMS, map: (vm) => [...appliancesFor(appliances, BY_MEMBER_VM, vm), ...byLabel(vm, 'update')] },
      { resource: VMIS, map: (vmi) => [...appliancesFor(appliances, BY_MEMBER_VM, vmi), ...byLabel(vmi, 'update')] },
      {
        resource: LAUNCHER_PODS,
        map: (pod) => {
          const vmName = pod.metadata?.labels?.['vm.kubevirt.io/name'];
          return vmName === undefined
            ? byLabel(pod, 'update')
            : [...appliancesFor(appliances, BY_MEMBER_VM, pod, vmName), ...byLabel(pod, 'update')];
        },
      },
      { resource: SERVICES, map: (svc) => appliancesFor(appliances, BY_SERVICE, svc) },
      {
        resource: BASE_IMAGES,
        map: (bimg) =>
          appliances
            .byIndex(BY_BASE_IMAGE, `${bimg.metadata?.namespace ?? ''}/${bimg.metadata?.name ?? ''}`)
            .map((a) => ({ namespace: a.metadata.namespace ?? '', name: a.metadata.name ?? '' })),
        updatePredicate: versionsChanged,
      },
    ],
  };
}

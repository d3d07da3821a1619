// Cache indexes that map a changed VM, VMI, Pod or Service back to the appliances that use it.
export { BY_APPLIANCE_LABEL, vmsOfAppliance } from '../shared/appliance-vms.ts';
import type { KubeObject } from '../../runtime/object.ts';
import type { VirtualAppliance } from '../../api/v1alpha1/index.ts';
import type { ReconcileRequest } from '../../runtime/controller.ts';
import type { Store } from '../../runtime/store.ts';

/** Appliance index: `namespace/vm` for every member VM named in the spec. */
export const BY_MEMBER_VM = 'vapp.dev/member-vm';
/** Appliance index: `namespace/service` for every Service in the spec. */
export const BY_SERVICE = 'vapp.dev/service';
/** Appliance index: `namespace/name` of every BaseImage its members' root disks are made from. */
export const BY_BASE_IMAGE = 'vapp.dev/base-image';
/** Pod index: `namespace/<vmi uid>` from the virt-launcher Pod's kubevirt.io/created-by label. */
export const BY_CREATED_BY = 'kubevirt.io/created-by';

export function applianceIndexes(store: Store<VirtualAppliance>): void {
  if (!store.hasIndex(BY_MEMBER_VM)) {
    store.addIndex(BY_MEMBER_VM, (a) => a.spec.members.map((m) => `${a.metadata.namespace ?? ''}/${m.vm}`));
  }
  if (!store.hasIndex(BY_BASE_IMAGE)) {
    store.addIndex(BY_BASE_IMAGE, (a) =>
      a.spec.members.flatMap((m) =>
        m.baseImage === undefined
          ? []
          : [`${m.baseImage.ref.namespace ?? a.metadata.namespace ?? ''}/${m.baseImage.ref.name}`],
      ),
    );
  }
  if (!store.hasIndex(BY_SERVICE)) {
    store.addIndex(BY_SERVICE, (a) => a.spec.services.map((s) => `${a.metadata.namespace ?? ''}/${s}`));
  }
}

/** Requests for the appliances whose index `index` holds `namespace/name`. */
export function appliancesFor(
  store: Store<VirtualAppliance>,
  index: string,
  obj: KubeObject,
  name = obj.metadata?.name ?? '',
): ReconcileRequest[] {
  const namespace = obj.metadata?.namespace ?? '';
  return store.byIndex(index, `${namespace}/${name}`).map((a) => ({ namespace, name: a.metadata.name ?? '' }));
}

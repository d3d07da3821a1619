// The VMs of an appliance, found through a cache index on their vapp.dev/appliance label: the
// adopted originals and the clones of its plans alike.
import { LABEL_APPLIANCE } from '../../api/v1alpha1/index.ts';
import type { KubeObject } from '../../runtime/object.ts';
import { labelIndex, type Store } from '../../runtime/store.ts';

/** VM index: `namespace/<appliance>` from the vapp.dev/appliance label. */
export const BY_APPLIANCE_LABEL = 'vapp.dev/appliance-label';

/** The VMs labelled as belonging to an appliance, through the cache index (added on first use). */
export function vmsOfAppliance<T extends KubeObject>(store: Store<T>, namespace: string, appliance: string): T[] {
  if (!store.hasIndex(BY_APPLIANCE_LABEL)) store.addIndex(BY_APPLIANCE_LABEL, labelIndex(LABEL_APPLIANCE));
  return store.byIndex(BY_APPLIANCE_LABEL, `${namespace}/${appliance}`);
}

// The traffic switch: each Service of the appliance selects the active slot through one selector
// key, vapp.dev/slot. Service.spec.selector is an *atomic* map in Kubernetes: server-side apply
// cannot give one key to the operator and the others to another manager. So the operator applies
// the whole selector (the keys it finds plus its own) under its field manager, and re-asserts its
// key whenever the Service changes. GitOps tools should ignore that one key (see config/argocd).
import type { V1Service } from '@kubernetes/client-node';
import { LABEL_SLOT, type Slot } from '../../api/v1alpha1/index.ts';

/** The server-side apply configuration: the Service's selector with the slot key set. */
export function slotSelectorApply(service: V1Service, slot: Slot): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: service.metadata?.name ?? '', namespace: service.metadata?.namespace ?? '' },
    spec: { selector: { ...(service.spec?.selector ?? {}), [LABEL_SLOT]: slot } },
  };
}

/** True when the Service selects `slot`. */
export function selectsSlot(service: V1Service, slot: Slot): boolean {
  return service.spec?.selector?.[LABEL_SLOT] === slot;
}

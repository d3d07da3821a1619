// The traffic switch: each Service of the appliance selects the active slot through one selector
// key, vapp.dev/slot, owned by the operator's field manager. Other managers (Argo CD applying the
// rest of the Service with server-side apply) own the other keys, so neither undoes the other.
import type { V1Service } from '@kubernetes/client-node';
import { LABEL_SLOT, type Slot } from '../../api/v1alpha1/index.ts';
import { FIELD_MANAGER } from '../../runtime/apply.ts';

/** The server-side apply configuration that sets only the slot selector key. */
export function slotSelectorApply(name: string, namespace: string, slot: Slot): V1Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { [LABEL_SLOT]: slot } } };
}

/** True when the Service selects `slot` and the operator's field manager owns that key. */
export function selectsSlot(service: V1Service, slot: Slot, fieldManager = FIELD_MANAGER): boolean {
  if (service.spec?.selector?.[LABEL_SLOT] !== slot) return false;
  return (service.metadata?.managedFields ?? []).some((entry) => {
    if (entry.manager !== fieldManager || entry.operation !== 'Apply') return false;
    const fields = entry.fieldsV1 as { 'f:spec'?: { 'f:selector'?: Record<string, unknown> } } | undefined;
    return fields?.['f:spec']?.['f:selector']?.[`f:${LABEL_SLOT}`] !== undefined;
  });
}

// Pure decisions of the simulated CSI provisioner for a PVC: its size, where its data comes from,
// and the status of a bound claim.
import { formatBytes, parseQuantity } from '../../../runtime/quantity.ts';
import type { PvcJson } from './json.ts';

/** Where a new volume's data comes from. */
export type PvcSource =
  | { readonly kind: 'empty' }
  | { readonly kind: 'snapshot'; readonly name: string }
  | { readonly kind: 'pvc'; readonly name: string }
  /** A volume populator's kind (CDI's VolumeImportSource, VolumeCloneSource): the populator fills and binds it. */
  | { readonly kind: 'populator'; readonly what: string }
  | { readonly kind: 'unsupported'; readonly what: string };

export function requestedBytes(pvc: PvcJson): number {
  const q = pvc.spec?.resources?.requests?.storage;
  if (q === undefined) return 0;
  return parseQuantity(q, `spec.resources.requests.storage of PVC ${pvc.metadata?.name ?? ''}`);
}

/** The data source of the claim: dataSourceRef wins over dataSource (they are equal when both are set). */
export function pvcSource(pvc: PvcJson): PvcSource {
  const ref = pvc.spec?.dataSourceRef ?? pvc.spec?.dataSource;
  if (!ref) return { kind: 'empty' };
  if (ref.kind === 'VolumeSnapshot' && (ref.apiGroup ?? '') === 'snapshot.storage.k8s.io')
    return { kind: 'snapshot', name: ref.name };
  if (ref.kind === 'PersistentVolumeClaim' && !ref.apiGroup) return { kind: 'pvc', name: ref.name };
  if (ref.apiGroup === 'cdi.kubevirt.io') return { kind: 'populator', what: `${ref.kind} ${ref.name}` };
  return { kind: 'unsupported', what: `${ref.apiGroup ? `${ref.apiGroup}/` : ''}${ref.kind} ${ref.name}` };
}

export function isBound(pvc: PvcJson | undefined): boolean {
  return pvc?.status?.phase === 'Bound';
}

/** The status of a bound claim: what the binder writes once the volume of `bytes` exists. */
export function boundStatus(pvc: PvcJson, bytes: number): NonNullable<PvcJson['status']> {
  return {
    phase: 'Bound',
    accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
    capacity: { storage: formatBytes(bytes) },
  };
}

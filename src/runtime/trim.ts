// What the shared caches drop from every object as it arrives, like controller-runtime's
// cache.TransformStripManagedFields: managedFields and kubectl's last-applied-configuration are
// often half an object's size, and no controller here reads them (a write that needs field
// ownership uses server-side apply, decided by the API server).
import type { KubeObject, ObjectMetaLike } from './object.ts';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Drops metadata.managedFields and the last-applied annotation, in place: call it on freshly parsed JSON only. */
export function trimObject<T extends KubeObject>(obj: T): T {
  const metadata: (ObjectMetaLike & { managedFields?: unknown }) | undefined = obj.metadata;
  if (metadata === undefined) return obj;
  const annotations = metadata.annotations;
  const lastApplied = annotations !== undefined && LAST_APPLIED_ANNOTATION in annotations;
  if (metadata.managedFields === undefined && !lastApplied) return obj;
  // Objects arrive parsed from JSON and are the cache's own: dropping keys in place copies nothing.
  delete metadata.managedFields;
  if (lastApplied) Reflect.deleteProperty(annotations, LAST_APPLIED_ANNOTATION);
  return obj;
}

/** Only apiVersion, kind and metadata (trimmed), for a ref with `metadataOnly`. */
export function metadataOnly<T extends KubeObject>(obj: T): T {
  const trimmed = trimObject(obj);
  return { apiVersion: trimmed.apiVersion, kind: trimmed.kind, metadata: trimmed.metadata } as T;
}

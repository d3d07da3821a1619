import { resourcePath, ResourceResolver } from './resources.ts';
import type { RestClient } from './rest.ts';
import type { KubeObject } from './object.ts';

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) ?? false;
}

/** True when the object is being deleted (deletionTimestamp set). */
export function isDeleting(obj: KubeObject): boolean {
  return obj.metadata?.deletionTimestamp !== undefined;
}

const resolvers = new WeakMap<RestClient, ResourceResolver>();

/**
 * Writes the finalizer list with a merge patch that carries the object's resourceVersion: if the
 * object changed meanwhile the server answers 409 Conflict (see isConflict) and nothing is lost.
 */
async function writeFinalizers<T extends KubeObject>(client: RestClient, obj: T, finalizers: string[]): Promise<T> {
  let resolver = resolvers.get(client);
  if (!resolver) resolvers.set(client, (resolver = new ResourceResolver(client)));
  const ref = await resolver.forObject(obj);
  return client.request<T>(resourcePath(ref, obj.metadata?.namespace, obj.metadata?.name ?? ''), {
    method: 'PATCH',
    contentType: 'application/merge-patch+json',
    body: { metadata: { finalizers, resourceVersion: obj.metadata?.resourceVersion } },
  });
}

/** Adds `finalizer` if missing; returns the updated object (or `obj` when nothing changed). */
export async function addFinalizer<T extends KubeObject>(client: RestClient, obj: T, finalizer: string): Promise<T> {
  if (hasFinalizer(obj, finalizer)) return obj;
  return writeFinalizers(client, obj, [...(obj.metadata?.finalizers ?? []), finalizer]);
}

/** Removes `finalizer` if present; returns the updated object (or `obj` when nothing changed). */
export async function removeFinalizer<T extends KubeObject>(client: RestClient, obj: T, finalizer: string): Promise<T> {
  if (!hasFinalizer(obj, finalizer)) return obj;
  return writeFinalizers(
    client,
    obj,
    (obj.metadata?.finalizers ?? []).filter((f) => f !== finalizer),
  );
}

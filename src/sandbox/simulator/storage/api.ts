// The storage simulator's writes, as raw JSON through the runtime's RestClient (the shape the
// informer caches hold): create, merge patch (of the object or its status subresource), delete.
import type { RestClient } from '../../../runtime/rest.ts';
import { resourcePath, type ResourceRef } from '../../../runtime/resources.ts';
import { isNotFound } from '../../../runtime/errors.ts';
import { FIELD_MANAGER } from '../constants.ts';

const MERGE = 'application/merge-patch+json';

export class Api {
  readonly client: RestClient;

  constructor(client: RestClient) {
    this.client = client;
  }

  create<T>(ref: ResourceRef, namespace: string, body: object): Promise<T> {
    return this.client.request<T>(resourcePath(ref, namespace), {
      method: 'POST',
      body,
      query: { fieldManager: FIELD_MANAGER },
    });
  }

  async get<T>(ref: ResourceRef, namespace: string, name: string): Promise<T | undefined> {
    try {
      return await this.client.request<T>(resourcePath(ref, namespace, name));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Merge patch; with `resourceVersion` the write fails with 409 if the object changed meanwhile. */
  patch<T>(
    ref: ResourceRef,
    namespace: string,
    name: string,
    body: object,
    opts: { status?: boolean; resourceVersion?: string } = {},
  ): Promise<T> {
    const withRv = opts.resourceVersion
      ? { ...body, metadata: { ...(body as { metadata?: object }).metadata, resourceVersion: opts.resourceVersion } }
      : body;
    return this.client.request<T>(resourcePath(ref, namespace, name, opts.status ? 'status' : undefined), {
      method: 'PATCH',
      contentType: MERGE,
      body: withRv,
      query: { fieldManager: FIELD_MANAGER },
    });
  }

  /** Update (PUT) of the whole object, as a client-go Update: fails with 409 if it changed since it was read. */
  update<T>(ref: ResourceRef, namespace: string, name: string, obj: object): Promise<T> {
    return this.client.request<T>(resourcePath(ref, namespace, name), {
      method: 'PUT',
      body: obj,
      query: { fieldManager: FIELD_MANAGER },
    });
  }

  /** Deletes (404 is success); `uid` as a precondition, `gracePeriodSeconds` for Pods. */
  async delete(
    ref: ResourceRef,
    namespace: string,
    name: string,
    opts: { uid?: string; gracePeriodSeconds?: number; propagation?: 'Background' | 'Foreground' } = {},
  ): Promise<void> {
    try {
      await this.client.request(resourcePath(ref, namespace, name), {
        method: 'DELETE',
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          ...(opts.uid ? { preconditions: { uid: opts.uid } } : {}),
          ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
          propagationPolicy: opts.propagation ?? 'Background',
        },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** An ownerReference to `obj` (a controller reference unless `controller` is false). */
export function ownerRef(
  apiVersion: string,
  kind: string,
  obj: { metadata?: { name?: string; uid?: string } | null },
  controller = true,
): {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: boolean;
  blockOwnerDeletion: boolean;
} {
  return {
    apiVersion,
    kind,
    name: obj.metadata?.name ?? '',
    uid: obj.metadata?.uid ?? '',
    controller,
    blockOwnerDeletion: true,
  };
}

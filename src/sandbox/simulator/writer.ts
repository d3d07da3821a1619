// Carries out the plan's actions against the API server as raw JSON through the runtime's
// RestClient, so that what is written has the same shape as what the informers cache, over one
// keep-alive connection pool (client-node's typed APIs open a new one, a TLS handshake, per call).
import { KUBEVIRT } from '../../kubevirt/types.ts';
import { apiStatus, isAlreadyExists, isConflict, isNotFound } from '../../runtime/errors.ts';
import { resourcePath } from '../../runtime/resources.ts';
import type { RestClient } from '../../runtime/rest.ts';
import { FIELD_MANAGER } from './constants.ts';
import type { PodJson } from './json.ts';
import type { Action } from './vm-actions.ts';

const MERGE = 'application/merge-patch+json';

/** What a write came to. `stale`: a conflict, the cache was behind (the next event brings it). */
export type WriteOutcome =
  { readonly kind: 'done'; readonly created?: PodJson } | { readonly kind: 'stale' } | { readonly kind: 'gone' };

export class Writer {
  readonly #client: RestClient;

  constructor(client: RestClient) {
    this.#client = client;
  }

  async execute(namespace: string, name: string, action: Action): Promise<WriteOutcome> {
    try {
      return await this.#execute(namespace, name, action);
    } catch (err) {
      if (isConflict(err)) return { kind: 'stale' };
      if (isNotFound(err)) return { kind: 'gone' };
      // A create of something that exists, or a uid precondition that no longer holds (409 too):
      // the cache is behind; the watch brings the truth.
      if (isAlreadyExists(err) || apiStatus(err)?.code === 409) return { kind: 'stale' };
      throw err;
    }
  }

  async #execute(namespace: string, name: string, a: Action): Promise<WriteOutcome> {
    const vmi = (sub?: string) => resourcePath(KUBEVIRT.virtualMachineInstances, namespace, name, sub);
    const query = { fieldManager: FIELD_MANAGER };
    const pods = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
    switch (a.type) {
      case 'createVmi':
        try {
          await this.#client.request(`/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/controllerrevisions`, {
            method: 'POST',
            body: a.revision,
            query: { fieldManager: FIELD_MANAGER },
          });
        } catch (err) {
          if (!isAlreadyExists(err)) throw err; // the same generation started before: its revision stays
        }
        await this.#client.request(resourcePath(KUBEVIRT.virtualMachineInstances, namespace), {
          method: 'POST',
          body: a.vmi,
          query,
        });
        return { kind: 'done' };
      case 'patchVmiStatus':
        await this.#client.request(vmi('status'), {
          method: 'PATCH',
          contentType: MERGE,
          query,
          body: { metadata: { resourceVersion: a.resourceVersion }, status: a.status },
        });
        return { kind: 'done' };
      case 'deleteVmi':
        await this.#client.request(vmi(), {
          method: 'DELETE',
          body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: a.uid } },
        });
        return { kind: 'done' };
      case 'patchVmStatus':
        await this.#client.request(resourcePath(KUBEVIRT.virtualMachines, namespace, name, 'status'), {
          method: 'PATCH',
          contentType: MERGE,
          query,
          body: { metadata: { resourceVersion: a.resourceVersion }, status: a.status },
        });
        return { kind: 'done' };
      case 'createPod': {
        const created = await this.#client.request<PodJson>(pods, {
          method: 'POST',
          body: a.pod,
          query: { fieldManager: FIELD_MANAGER },
        });
        return { kind: 'done', created };
      }
      case 'bindPod':
        // The scheduler's write: only the binding subresource may set nodeName of an existing Pod.
        await this.#client.request(`${pods}/${encodeURIComponent(a.name)}/binding`, {
          method: 'POST',
          body: {
            apiVersion: 'v1',
            kind: 'Binding',
            metadata: { name: a.name },
            target: { apiVersion: 'v1', kind: 'Node', name: a.node },
          },
        });
        return { kind: 'done' };
      case 'patchPodStatus':
        await this.#client.request(`${pods}/${encodeURIComponent(a.name)}/status`, {
          method: 'PATCH',
          contentType: MERGE,
          query: { fieldManager: FIELD_MANAGER },
          body: { metadata: { resourceVersion: a.resourceVersion }, status: a.status },
        });
        return { kind: 'done' };
      case 'deletePod':
        await this.#client.request(`${pods}/${encodeURIComponent(a.name)}`, {
          method: 'DELETE',
          body: {
            apiVersion: 'v1',
            kind: 'DeleteOptions',
            preconditions: { uid: a.uid },
            ...(a.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: a.gracePeriodSeconds } : {}),
          },
        });
        return { kind: 'done' };
    }
  }
}

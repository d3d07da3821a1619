import type { RestClient } from './rest.ts';
import type { KubeObject } from './object.ts';

/** Names one API resource, e.g. `{group: 'kubevirt.io', version: 'v1', plural: 'virtualmachines'}`. */
export interface ResourceRef {
  /** API group; '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** Lower-case plural resource name as in the URL. */
  readonly plural: string;
  /** Kind, used for events and logs. */
  readonly kind: string;
  /** Cluster-scoped resources set this to false (default true). */
  readonly namespaced?: boolean;
  /**
   * A label selector (`app=x`, `vapp.dev/plan`): the informer of this ref caches and watches only
   * the matching objects, so that the operator does not hold every Job or Pod of the cluster.
   * Requests by name ignore it.
   */
  readonly labelSelector?: string;
  /**
   * The informer of this ref caches only apiVersion, kind and metadata of each object (like
   * controller-runtime's metadata-only watches), for kinds whose labels and owners are all a
   * controller reads (launcher Pods).
   */
  readonly metadataOnly?: boolean;
  /**
   * The kind's CRD may not be installed (CDI's DataVolumes and DataSources): while the API server
   * answers 404 to its list, the informer counts as synced with nothing cached (`absent`), so the
   * controllers start, and it lists again every 30 s until the kind is served.
   */
  readonly optional?: boolean;
}

/**
 * A ResourceRef that knows the type of its objects, so that a cache read through it is typed by the
 * ref rather than by the caller (`get(JOBS, name)` is a V1Job). The type exists only at compile time.
 */
export type TypedRef<T> = ResourceRef & { readonly __objects?: T };

/** `group/version` or `v1` for the core group. */
export function apiVersionOf(ref: ResourceRef): string {
  return ref.group === '' ? ref.version : `${ref.group}/${ref.version}`;
}

/** A stable identity of a resource and its selector, e.g. `virtualmachines.kubevirt.io/v1` or `pods/v1?kubevirt.io=virt-launcher`. */
export function resourceId(ref: ResourceRef): string {
  return `${ref.plural}${ref.group ? `.${ref.group}` : ''}/${ref.version}${ref.labelSelector ? `?${ref.labelSelector}` : ''}${ref.metadataOnly === true ? '#metadata' : ''}`;
}

/** The URL path of a collection, an object or one of its subresources. */
export function resourcePath(ref: ResourceRef, namespace?: string, name?: string, subresource?: string): string {
  let path = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  if (namespace && ref.namespaced !== false) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${ref.plural}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) path += `/${subresource}`;
  return path;
}

interface APIResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

/** Resolves apiVersion + kind to a {@link ResourceRef} through discovery, cached per client. */
export class ResourceResolver {
  readonly #client: RestClient;
  readonly #cache = new Map<string, Promise<APIResourceList>>();

  constructor(client: RestClient) {
    this.#client = client;
  }

  async resolve(apiVersion: string, kind: string): Promise<ResourceRef> {
    const [group, version] = apiVersion.includes('/')
      ? (apiVersion.split('/', 2) as [string, string])
      : ['', apiVersion];
    let list = this.#cache.get(apiVersion);
    if (!list) {
      list = this.#client.request<APIResourceList>(group === '' ? `/api/${version}` : `/apis/${group}/${version}`);
      this.#cache.set(apiVersion, list);
      list.catch(() => this.#cache.delete(apiVersion)); // retry discovery next time
    }
    const found = (await list).resources.find((r) => r.kind === kind && !r.name.includes('/'));
    if (!found) throw new Error(`no resource for kind ${kind} in ${apiVersion}`);
    return { group, version, plural: found.name, kind, namespaced: found.namespaced };
  }

  /** The ResourceRef of an object from its apiVersion and kind. */
  forObject(obj: KubeObject): Promise<ResourceRef> {
    if (!obj.apiVersion || !obj.kind) throw new Error('object needs apiVersion and kind');
    return this.resolve(obj.apiVersion, obj.kind);
  }
}

/**
 * The resource a request path addresses, as the API server's metrics name it: `pods`,
 * `pods/status`, `virtualmachines.kubevirt.io` (plural, then `.group` when not core, then
 * `/subresource`). Paths that are not resources (`/metrics`, discovery) give `''`.
 */
export function resourceOfPath(path: string): string {
  const parts = (path.split('?')[0] ?? '').split('/').filter((p) => p !== '');
  let group = '';
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) rest = parts.slice(2);
  else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1] ?? '';
    rest = parts.slice(3);
  } else return '';
  // namespaces/<ns>/<plural>/... addresses a namespaced kind; namespaces[/<ns>[/status]] the Namespace itself.
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const [plural, , subresource] = rest;
  if (plural === undefined) return '';
  return `${plural}${group === '' ? '' : `.${group}`}${subresource === undefined ? '' : `/${subresource}`}`;
}

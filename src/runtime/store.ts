import type { KubeObject } from './object.ts';

/** Computes the index values of an object (an object may have several, or none). */
export type IndexFunc<T> = (obj: T) => readonly string[];

/** `namespace/name`, or `name` for cluster-scoped objects: the key of the store and of queues. */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

/** Splits a key made by {@link objectKey}. */
export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** Index by the value of one label, e.g. VMs by `vapp.dev/appliance` (value `namespace/value`). */
export function labelIndex(label: string): IndexFunc<KubeObject> {
  return (obj) => {
    const v = obj.metadata?.labels?.[label];
    return v === undefined ? [] : [obj.metadata?.namespace ? `${obj.metadata.namespace}/${v}` : v];
  };
}

/** Index by the UIDs of all owners. */
export const ownerUidIndex: IndexFunc<KubeObject> = (obj) => (obj.metadata?.ownerReferences ?? []).map((o) => o.uid);

/** Index by namespace. */
export const namespaceIndex: IndexFunc<KubeObject> = (obj) => [obj.metadata?.namespace ?? ''];

/**
 * The in-memory cache behind an informer: objects by key, plus named indexes. Objects handed
 * out are the cached instances: treat them as read-only (copy with structuredClone to modify).
 */
export class Store<T extends KubeObject = KubeObject> {
  readonly #items = new Map<string, T>();
  readonly #indexers = new Map<string, IndexFunc<T>>();
  // index name -> index value -> keys
  readonly #indices = new Map<string, Map<string, Set<string>>>();

  /** Adds an index (also over the objects already cached). */
  addIndex(name: string, fn: IndexFunc<T>): void {
    if (this.#indexers.has(name)) throw new Error(`index ${name} already exists`);
    this.#indexers.set(name, fn);
    this.#indices.set(name, new Map());
    for (const [key, obj] of this.#items) this.#indexOne(name, fn, key, obj);
  }

  hasIndex(name: string): boolean {
    return this.#indexers.has(name);
  }

  get size(): number {
    return this.#items.size;
  }

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  list(): T[] {
    return [...this.#items.values()];
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }

  /** The objects whose index `name` contains `value`. */
  byIndex(name: string, value: string): T[] {
    const index = this.#indices.get(name);
    if (!index) throw new Error(`no index named ${name}`);
    return [...(index.get(value) ?? [])].map((k) => this.#items.get(k)).filter((o): o is T => o !== undefined);
  }

  /** Inserts or replaces an object; returns the previous version. */
  upsert(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.#items.get(key);
    if (old) this.#unindex(key, old);
    this.#items.set(key, obj);
    for (const [name, fn] of this.#indexers) this.#indexOne(name, fn, key, obj);
    return old;
  }

  /** Removes the object with the key of `obj`; returns the cached version if there was one. */
  remove(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.#items.get(key);
    if (!old) return undefined;
    this.#unindex(key, old);
    this.#items.delete(key);
    return old;
  }

  #indexOne(name: string, fn: IndexFunc<T>, key: string, obj: T): void {
    const index = this.#indices.get(name);
    if (!index) return;
    for (const value of fn(obj)) {
      let keys = index.get(value);
      if (!keys) index.set(value, (keys = new Set()));
      keys.add(key);
    }
  }

  #unindex(key: string, obj: T): void {
    for (const [name, fn] of this.#indexers) {
      const index = this.#indices.get(name);
      for (const value of fn(obj)) {
        const keys = index?.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index?.delete(value);
      }
    }
  }
}

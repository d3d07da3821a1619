import { errorMessage } from './errors.ts';
import { silentLogger, type Logger } from './log.ts';
import { Reflector, type ReflectorOptions, type ReflectorSink } from './reflector.ts';
import type { ResourceRef } from './resources.ts';
import type { RestClient } from './rest.ts';
import { objectKey, Store } from './store.ts';
import type { KubeObject } from './object.ts';

/** Callbacks for changes of the cache. Exceptions are logged, never propagated. */
export interface EventHandler<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

/** Options for {@link Informer}. */
export interface InformerOptions<T extends KubeObject = KubeObject> {
  readonly client: RestClient;
  readonly resource: ResourceRef;
  /** Namespaces to watch; empty or undefined watches all (one list/watch per namespace otherwise). */
  readonly namespaces?: readonly string[];
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** See {@link ReflectorOptions}. */
  readonly watchdogMs?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  readonly log?: Logger;
  /**
   * Applied to every listed or watched object before it is cached or handed to handlers (like
   * client-go's SetTransform), e.g. {@link trimObject}. It receives freshly parsed JSON it may modify.
   */
  readonly transform?: (obj: T) => T;
}

/**
 * A cache of one kind kept current by list+watch, with event handlers. `start()` runs it until
 * `stop()`; `synced` turns true when every watched namespace has been listed once.
 */
export class Informer<T extends KubeObject = KubeObject> {
  readonly store = new Store<T>();
  readonly resource: ResourceRef;
  readonly #reflectors: Reflector<T>[];
  readonly #handlers: EventHandler<T>[] = [];
  readonly #log: Logger;
  #abort: AbortController | undefined;
  #running: Promise<unknown> | undefined;
  readonly #syncWaiters: (() => void)[] = [];

  constructor(opts: InformerOptions<T>) {
    this.resource = opts.resource;
    this.#log = (opts.log ?? silentLogger()).child({ informer: opts.resource.plural });
    const namespaces =
      opts.namespaces && opts.namespaces.length > 0 && opts.resource.namespaced !== false
        ? opts.namespaces
        : [undefined];
    const transform = opts.transform ?? ((obj: T) => obj);
    const sink: ReflectorSink<T> = {
      replace: (items, ns) => this.#replace(items.map(transform), ns),
      upsert: (obj) => this.#upsert(transform(obj)),
      remove: (obj) => this.#remove(obj),
      listed: () => {
        if (this.synced) for (const w of this.#syncWaiters.splice(0)) w();
      },
    };
    this.#reflectors = namespaces.map((namespace) => {
      const { transform: _transform, ...reflectorOptions } = opts;
      const r: ReflectorOptions = {
        ...reflectorOptions,
        log: opts.log ?? silentLogger(),
        ...(namespace ? { namespace } : {}),
      };
      return new Reflector<T>(r, sink);
    });
  }

  /** Registers handlers; objects already cached are delivered to `onAdd` at once. */
  addEventHandler(handler: EventHandler<T>): void {
    this.#handlers.push(handler);
    for (const obj of this.store.list()) this.#call(() => handler.onAdd?.(obj));
  }

  get synced(): boolean {
    return this.#reflectors.every((r) => r.synced);
  }

  /** An optional kind the API server does not serve (see ResourceRef.optional): nothing is cached. */
  get absent(): boolean {
    return this.#reflectors.some((r) => r.absent);
  }

  /** Sum of the reflectors' counters (lists, watches, 410s, watchdog restarts, errors). */
  get stats(): { lists: number; watches: number; gone: number; watchdogRestarts: number; errors: number } {
    const s = { lists: 0, watches: 0, gone: 0, watchdogRestarts: 0, errors: 0 };
    for (const r of this.#reflectors) for (const k of Object.keys(s) as (keyof typeof s)[]) s[k] += r.stats[k];
    return s;
  }

  start(): void {
    if (this.#abort) return;
    this.#abort = new AbortController();
    const signal = this.#abort.signal;
    this.#running = Promise.all(this.#reflectors.map((r) => r.run(signal)));
  }

  /** Stops watching; resolves when every watch connection is closed. The cache stays readable. */
  async stop(): Promise<void> {
    this.#abort?.abort();
    await this.#running;
    for (const w of this.#syncWaiters.splice(0)) w();
  }

  /** Resolves when synced, or when `signal` aborts or the informer stops (check `synced`). */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.#syncWaiters.push(resolve);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  #replace(items: T[], namespace: string | undefined): void {
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(objectKey(obj));
      this.#upsert(obj);
    }
    for (const old of this.store.list()) {
      if (namespace !== undefined && old.metadata?.namespace !== namespace) continue;
      if (!seen.has(objectKey(old))) this.#remove(old);
    }
  }

  #upsert(obj: T): void {
    const old = this.store.upsert(obj);
    if (!old) {
      for (const h of this.#handlers) this.#call(() => h.onAdd?.(obj));
    } else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
      for (const h of this.#handlers) this.#call(() => h.onUpdate?.(old, obj));
    }
  }

  #remove(obj: T): void {
    const old = this.store.remove(obj);
    if (!old) return;
    for (const h of this.#handlers) this.#call(() => h.onDelete?.(obj));
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error('event handler failed', { error: errorMessage(err) });
    }
  }
}

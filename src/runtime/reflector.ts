import { backoffDelay } from './backoff.ts';
import { isAborted, realClock, sleep, type Clock } from './clock.ts';
import { errorMessage, isGone, isNotFound } from './errors.ts';
import { silentLogger, type Logger } from './log.ts';
import { resourcePath, type ResourceRef } from './resources.ts';
import type { RestClient } from './rest.ts';
import type { KubeObject } from './object.ts';

/** How often the list of an optional kind that is not served is tried again. */
const ABSENT_RELIST_MS = 30_000;

/** A list response. */
interface ListObject<T> {
  readonly metadata?: { readonly resourceVersion?: string; readonly continue?: string };
  readonly items: T[];
}

/** Where a reflector delivers what it lists and watches. */
export interface ReflectorSink<T> {
  /** The complete current state of the reflector's namespace (or of all, when undefined). */
  replace(items: T[], namespace: string | undefined): void;
  upsert(obj: T): void;
  remove(obj: T): void;
  /** Called after each complete list, once `synced` is true. */
  listed(): void;
}

/** Options for {@link Reflector}. */
export interface ReflectorOptions {
  readonly client: RestClient;
  readonly resource: ResourceRef;
  /** Watch one namespace; undefined watches all. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Restart a watch that delivered no event nor bookmark for this long (default 3 min). */
  readonly watchdogMs?: number;
  /** Backoff between failed attempts: first delay (default 500 ms) and cap (default 30 s). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** List page size (default 500). */
  readonly pageSize?: number;
  readonly log?: Logger;
  readonly clock?: Clock;
}

interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** A watch ERROR event carrying a v1 Status. */
class WatchStatusError extends Error {
  readonly statusCode: number;
  constructor(status: { code?: number; message?: string }) {
    super(status.message ?? 'watch error');
    this.statusCode = status.code ?? 500;
  }
}

/** Counters a test or a status page may read. */
export interface ReflectorStats {
  lists: number;
  watches: number;
  gone: number;
  watchdogRestarts: number;
  errors: number;
}

/**
 * List then watch one resource, for ever: watches resume from the last resourceVersion seen
 * (bookmarks included), a 410 Gone relists, any other failure retries with exponential backoff,
 * and a watchdog restarts a watch that went silent. Aborting the signal ends the loop cleanly.
 */
export class Reflector<T extends KubeObject> {
  readonly stats: ReflectorStats = { lists: 0, watches: 0, gone: 0, watchdogRestarts: 0, errors: 0 };
  readonly #o: ReflectorOptions;
  readonly #sink: ReflectorSink<T>;
  readonly #log: Logger;
  readonly #clock: Clock;
  #synced = false;
  #absent = false;

  constructor(opts: ReflectorOptions, sink: ReflectorSink<T>) {
    this.#o = opts;
    this.#sink = sink;
    this.#clock = opts.clock ?? realClock;
    this.#log = (opts.log ?? silentLogger()).child({
      resource: opts.resource.plural,
      namespace: opts.namespace ?? '*',
    });
  }

  /** True once the first list has been delivered (or, for an optional kind, found not served). */
  get synced(): boolean {
    return this.#synced;
  }

  /** An optional kind the API server does not serve (its last list was a 404). */
  get absent(): boolean {
    return this.#absent;
  }

  /** Runs until `signal` aborts. Never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    let rv: string | undefined;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (rv === undefined) {
          rv = await this.#list(signal);
          failures = 0;
        }
        const result = await this.#watch(rv, signal);
        this.#log.debug('watch ended', { events: result.events, resourceVersion: result.rv });
        rv = result.rv;
        if (result.events > 0) failures = 0;
        else if (!isAborted(signal)) await this.#pause(failures++, signal); // an empty watch: do not spin
      } catch (err) {
        if (isAborted(signal)) break;
        if (this.#o.resource.optional === true && isNotFound(err) && rv === undefined) {
          // Not installed (yet): nothing to cache; look again later, as the kind may be installed.
          if (!this.#absent) this.#log.info('resource not served, its cache stays empty', { error: errorMessage(err) });
          this.#absent = true;
          this.#sink.replace([], this.#o.namespace);
          this.#synced = true;
          this.#sink.listed();
          await sleep(this.#clock, ABSENT_RELIST_MS, signal);
          continue;
        }
        if (isGone(err)) {
          this.stats.gone++;
          this.#log.info('resourceVersion expired, relisting', { resourceVersion: rv });
          rv = undefined;
          continue;
        }
        this.stats.errors++;
        const delay = backoffDelay(failures++, this.#o.backoffBaseMs ?? 500, this.#o.backoffMaxMs ?? 30_000);
        this.#log.warn('list/watch failed, retrying', { error: errorMessage(err), retryInMs: delay });
        await sleep(this.#clock, delay, signal);
      }
    }
    this.#log.debug('stopped');
  }

  #pause(failures: number, signal: AbortSignal): Promise<void> {
    return sleep(
      this.#clock,
      backoffDelay(failures, this.#o.backoffBaseMs ?? 500, this.#o.backoffMaxMs ?? 30_000),
      signal,
    );
  }

  async #list(signal: AbortSignal): Promise<string> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv: string;
    do {
      const page = await this.#o.client.request<ListObject<T>>(this.#path(), {
        query: {
          limit: this.#o.pageSize ?? 500,
          continue: cont,
          labelSelector: this.#o.labelSelector,
          fieldSelector: this.#o.fieldSelector,
        },
        signal,
      });
      items.push(...page.items);
      cont = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion ?? '';
    } while (cont !== undefined);
    this.stats.lists++;
    // apiVersion/kind are set on the list only; watch events carry them on each object.
    const apiVersion = this.#o.resource.group
      ? `${this.#o.resource.group}/${this.#o.resource.version}`
      : this.#o.resource.version;
    for (const item of items) {
      item.apiVersion ??= apiVersion;
      item.kind ??= this.#o.resource.kind;
    }
    this.#sink.replace(items, this.#o.namespace);
    this.#absent = false;
    this.#synced = true;
    this.#sink.listed();
    this.#log.debug('listed', { count: items.length, resourceVersion: rv });
    return rv;
  }

  async #watch(fromRv: string, outer: AbortSignal): Promise<{ rv: string; events: number }> {
    this.stats.watches++;
    const ac = new AbortController();
    const onOuterAbort = (): void => ac.abort();
    outer.addEventListener('abort', onOuterAbort, { once: true });
    if (isAborted(outer)) ac.abort(); // stopped while the list was returning: no event will come
    const watchdogMs = this.#o.watchdogMs ?? 180_000;
    const watchdog = { fired: false };
    let timer = this.#clock.setTimeout(fire, watchdogMs);
    const clock = this.#clock;
    function fire(): void {
      watchdog.fired = true;
      ac.abort();
    }
    const kick = (): void => {
      clock.clearTimeout(timer);
      timer = clock.setTimeout(fire, watchdogMs);
    };
    let rv = fromRv;
    let events = 0;
    try {
      const stream = await this.#o.client.stream(this.#path(), {
        query: {
          watch: true,
          resourceVersion: fromRv,
          allowWatchBookmarks: true,
          // The server ends the watch after this long; like client-go, spread it over 5-10 min.
          timeoutSeconds: 300 + Math.floor(Math.random() * 300),
          labelSelector: this.#o.labelSelector,
          fieldSelector: this.#o.fieldSelector,
        },
        signal: ac.signal,
      });
      kick();
      for await (const line of lines(stream)) {
        kick();
        const event = JSON.parse(line) as WatchEvent<T>;
        if (event.type === 'ERROR') throw new WatchStatusError(event.object as { code?: number; message?: string });
        events++;
        const objRv = event.object.metadata?.resourceVersion;
        if (event.type === 'BOOKMARK') {
          if (objRv) rv = objRv;
          continue;
        }
        if (event.type === 'DELETED') this.#sink.remove(event.object);
        else this.#sink.upsert(event.object);
        if (objRv) rv = objRv;
      }
    } catch (err) {
      if (isAborted(outer)) return { rv, events };
      if (watchdog.fired) {
        this.stats.watchdogRestarts++;
        this.#log.warn('watch silent, restarting', { silentForMs: watchdogMs });
        return { rv, events: 1 }; // restart at once, not an error
      }
      throw err;
    } finally {
      clock.clearTimeout(timer);
      outer.removeEventListener('abort', onOuterAbort);
      ac.abort();
    }
    return { rv, events };
  }

  #path(): string {
    return resourcePath(this.#o.resource, this.#o.namespace);
  }
}

/** Splits a byte stream into non-empty lines. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line) yield line;
    }
  }
  const rest = (buffer + decoder.decode()).trim();
  if (rest) yield rest;
}

// Kubernetes Events (core v1, what `kubectl describe` shows), deduplicated like client-go's
// recorder: repeating the same event bumps `count` and `lastTimestamp` on the existing Event.
import { realClock, type Clock } from './clock.ts';
import { errorMessage, isNotFound } from './errors.ts';
import { silentLogger, type Logger } from './log.ts';
import type { RestClient } from './rest.ts';
import type { KubeObject } from './object.ts';

export const REPORTING_CONTROLLER = 'vapp-operator';

export type EventType = 'Normal' | 'Warning';

/** Options for {@link EventRecorder}. */
export interface EventRecorderOptions {
  readonly client: RestClient;
  /** source.component and reportingComponent (default `vapp-operator`). */
  readonly component?: string;
  /** reportingInstance, e.g. the pod name (default: the hostname). */
  readonly instance?: string;
  readonly log?: Logger;
  readonly clock?: Clock;
  /** How many distinct events to remember for deduplication (default 4096). */
  readonly cacheSize?: number;
}

/** The identity of an event for deduplication: same object, type, reason and message. */
export function eventDedupKey(obj: KubeObject, type: EventType, reason: string, message: string): string {
  const m = obj.metadata;
  return [obj.apiVersion, obj.kind, m?.namespace, m?.name, m?.uid, type, reason, message].join('\u0000');
}

/** Records events about objects. Failures are logged, never thrown: events are best effort. */
export class EventRecorder {
  readonly #client: RestClient;
  readonly #component: string;
  readonly #instance: string;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #cacheSize: number;
  // dedup key -> event name, namespace and count (a Map keeps insertion order: oldest first)
  readonly #seen = new Map<string, { name: string; namespace: string; count: number }>();

  constructor(opts: EventRecorderOptions) {
    this.#client = opts.client;
    this.#component = opts.component ?? REPORTING_CONTROLLER;
    this.#instance = opts.instance ?? process.env.HOSTNAME ?? 'local';
    this.#log = opts.log ?? silentLogger();
    this.#clock = opts.clock ?? realClock;
    this.#cacheSize = opts.cacheSize ?? 4096;
  }

  normal(obj: KubeObject, reason: string, message: string): Promise<void> {
    return this.event(obj, 'Normal', reason, message);
  }

  warning(obj: KubeObject, reason: string, message: string): Promise<void> {
    return this.event(obj, 'Warning', reason, message);
  }

  /** Creates the event, or bumps the count of the same earlier event. Resolves when written. */
  async event(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const key = eventDedupKey(obj, type, reason, message);
    const now = new Date(this.#clock.now()).toISOString();
    const previous = this.#seen.get(key);
    try {
      if (previous) {
        try {
          await this.#client.request(`/api/v1/namespaces/${previous.namespace}/events/${previous.name}`, {
            method: 'PATCH',
            contentType: 'application/merge-patch+json',
            body: { count: previous.count + 1, lastTimestamp: now },
          });
          previous.count++;
          this.#remember(key, previous);
          return;
        } catch (err) {
          if (!isNotFound(err)) throw err; // expired (events have a TTL): create a new one
        }
      }
      const namespace = obj.metadata?.namespace ?? 'default';
      const name = `${obj.metadata?.name ?? 'unknown'}.${(this.#clock.now() * 1000 + Math.floor(Math.random() * 1000)).toString(16)}`;
      await this.#client.request(`/api/v1/namespaces/${namespace}/events`, {
        method: 'POST',
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace },
          involvedObject: {
            apiVersion: obj.apiVersion,
            kind: obj.kind,
            name: obj.metadata?.name,
            namespace: obj.metadata?.namespace,
            uid: obj.metadata?.uid,
            resourceVersion: obj.metadata?.resourceVersion,
          },
          type,
          reason,
          message: message.slice(0, 1024),
          count: 1,
          firstTimestamp: now,
          lastTimestamp: now,
          source: { component: this.#component },
          reportingComponent: this.#component,
          reportingInstance: this.#instance,
        },
      });
      this.#remember(key, { name, namespace, count: 1 });
    } catch (err) {
      this.#log.warn('could not record event', {
        reason,
        object: `${obj.kind ?? ''}/${obj.metadata?.name ?? ''}`,
        error: errorMessage(err),
      });
    }
  }

  #remember(key: string, entry: { name: string; namespace: string; count: number }): void {
    this.#seen.delete(key);
    this.#seen.set(key, entry);
    if (this.#seen.size > this.#cacheSize) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
  }
}

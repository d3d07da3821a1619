// What a controller author writes: a definition with a reconcile function and the watches that
// map object events to reconcile requests. The manager runs it (see controller-runner.ts).
import type { EventRecorder } from './events.ts';
import type { Informer } from './informer.ts';
import type { Logger } from './log.ts';
import type { ResourceRef, ResourceResolver } from './resources.ts';
import type { ClusterAccess, RestClient } from './rest.ts';
import type { KubeObject } from './object.ts';

/** The object to reconcile. Its queue key is `namespace/name` (or `name` when cluster-scoped). */
export interface ReconcileRequest {
  readonly namespace?: string;
  readonly name: string;
}

/** What to do after a successful reconcile. Nothing: done until the next event. */
export interface ReconcileResult {
  /** Reconcile again after the key's backoff delay. */
  readonly requeue?: boolean;
  /** Reconcile again after this many milliseconds (resets the backoff). */
  readonly requeueAfterMs?: number;
}

/** Passed to every reconcile call. */
export interface ReconcileContext {
  /** Logger with `controller` and `key` fields. */
  readonly log: Logger;
  /** Aborts when this replica stops leading: stop writing as soon as possible. */
  readonly signal: AbortSignal;
}

// `void` lets authors write `async (req) => { ... }` without a final `return undefined`.
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type
export type Reconcile = (req: ReconcileRequest, ctx: ReconcileContext) => Promise<ReconcileResult | undefined | void>;

/** Which change of an object triggered the mapping. */
export type WatchEventType = 'add' | 'update' | 'delete';

/** Maps an event of a watched object to the requests to enqueue. */
export type MapFunc = (obj: KubeObject, event: WatchEventType) => readonly ReconcileRequest[];

/** One watched kind and how its events become requests (default: the object itself). */
export interface WatchSource {
  readonly resource: ResourceRef;
  readonly map?: MapFunc;
  /** Skip updates that are no real change for this controller (e.g. status-only updates). */
  readonly updatePredicate?: (oldObj: KubeObject, newObj: KubeObject) => boolean;
}

/** A controller: a name (metrics label, log field), a reconcile function and its watches. */
export interface ControllerDefinition {
  readonly name: string;
  readonly watches: readonly WatchSource[];
  /** Kinds the reconciler reads from the shared cache without reconciling on their changes. */
  readonly caches?: readonly ResourceRef[];
  readonly reconcile: Reconcile;
  /** Workers of this controller (default: the manager's `--workers`). */
  readonly maxConcurrentReconciles?: number;
  /** Per-key backoff on errors: first delay (default 5 ms) and cap (default 1000 s). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
}

/** Shared caches, one informer per resource; register indexes on `informer(...).store`. */
export interface CacheProvider {
  informer<T extends KubeObject = KubeObject>(resource: ResourceRef): Informer<T>;
}

/** What controllers receive from the manager (see `allControllers(deps)`). */
export interface ControllerDeps {
  readonly kubeConfig: ClusterAccess;
  /** Raw JSON client (see rest.ts); use with apply.ts, finalizers.ts. */
  readonly client: RestClient;
  readonly resolver: ResourceResolver;
  readonly cache: CacheProvider;
  readonly events: EventRecorder;
  readonly log: Logger;
  /** Watched namespaces; empty means all. */
  readonly namespaces: readonly string[];
}

/**
 * A reconcile error that retrying cannot fix (bad spec): logged and counted, not requeued.
 * The next change of the object triggers a new reconcile.
 */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

/** The request for an object itself. */
export function requestFor(obj: KubeObject): ReconcileRequest {
  const ns = obj.metadata?.namespace;
  return { name: obj.metadata?.name ?? '', ...(ns ? { namespace: ns } : {}) };
}

/** `namespace/name` or `name`. */
export function requestKey(req: ReconcileRequest): string {
  return req.namespace ? `${req.namespace}/${req.name}` : req.name;
}

/** Maps an object to its controlling owner of the given kind (e.g. VMs to their VirtualAppliance). */
export function enqueueOwner(ownerKind: string, ownerApiGroup: string): MapFunc {
  return (obj) => {
    const owner = (obj.metadata?.ownerReferences ?? []).find(
      (o) =>
        o.controller === true &&
        o.kind === ownerKind &&
        (o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '') === ownerApiGroup,
    );
    if (!owner) return [];
    const ns = obj.metadata?.namespace;
    return [{ name: owner.name, ...(ns ? { namespace: ns } : {}) }];
  };
}

/** Maps an object to the object in the same namespace named by one of its labels. */
export function enqueueByLabel(label: string): MapFunc {
  return (obj) => {
    const name = obj.metadata?.labels?.[label];
    if (!name) return [];
    const ns = obj.metadata?.namespace;
    return [{ name, ...(ns ? { namespace: ns } : {}) }];
  };
}

/** Predicate: only updates that change metadata.generation (spec changes of CRs with status subresource). */
export function generationChanged(oldObj: KubeObject, newObj: KubeObject): boolean {
  return oldObj.metadata?.generation !== newObj.metadata?.generation;
}

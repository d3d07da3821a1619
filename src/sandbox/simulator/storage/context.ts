// What every controller of the storage simulator shares.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { EventRecorder } from '../../../runtime/events.ts';
import type { Informer } from '../../../runtime/informer.ts';
import type { Logger } from '../../../runtime/log.ts';
import type { ResourceRef } from '../../../runtime/resources.ts';
import type { Api } from './api.ts';
import type { StorageFaultOverrides } from './faults.ts';
import type { FileLocks } from './files.ts';
import type { Freezer } from './freezer.ts';
import type { StepClock } from './steps.ts';

export interface StorageContext {
  readonly api: Api;
  readonly volumesDir: string;
  readonly locks: FileLocks;
  /** VMs whose guest is frozen for a snapshot: the workload does not write to them. */
  readonly freezer: Freezer;
  readonly steps: StepClock;
  /** Default delay of each simulated step. */
  readonly stepDelayMs: number;
  readonly faults?: StorageFaultOverrides;
  readonly informer: (ref: ResourceRef) => Informer;
  /** Events of the simulated drivers and controllers (ProvisioningFailed, SnapshotCreated...). */
  readonly events: EventRecorder;
  readonly log: Logger;
  readonly now: () => number;
}

/** The cached object of `ref` at `namespace/name`, typed as the caller knows it to be. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape the cache holds
export function cached<T>(ctx: StorageContext, ref: ResourceRef, namespace: string, name: string): T | undefined {
  return ctx.informer(ref).store.get(`${namespace}/${name}`) as unknown as T | undefined;
}

export function cachedList<T>(ctx: StorageContext, ref: ResourceRef, namespace?: string): T[] {
  const all = ctx.informer(ref).store.list() as unknown as (T & KubernetesObject)[];
  return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
}

export function isoNow(ctx: StorageContext): string {
  return new Date(ctx.now()).toISOString();
}

// The plugin's access to the cluster, with the user's own credentials: reads of the kinds it shows
// and live caches kept by list+watch (the operator's own informer, which reconnects and relists by
// itself). No server-side component: everything goes through the user's kubeconfig.
import { KUBEVIRT } from '../kubevirt/types.ts';
import { isNotFound } from '../runtime/errors.ts';
import { Informer } from '../runtime/informer.ts';
import { resourcePath, type ResourceRef } from '../runtime/resources.ts';
import { RestClient } from '../runtime/rest.ts';
import { CliError } from './errors.ts';
import type { Connection } from './kubeconfig.ts';

export const RESOURCES = {
  appliances: { group: 'vapp.dev', version: 'v1alpha1', plural: 'virtualappliances', kind: 'VirtualAppliance' },
  plans: { group: 'vapp.dev', version: 'v1alpha1', plural: 'maintenanceplans', kind: 'MaintenancePlan' },
  rollouts: { group: 'vapp.dev', version: 'v1alpha1', plural: 'maintenancerollouts', kind: 'MaintenanceRollout' },
  vms: KUBEVIRT.virtualMachines,
  vmis: KUBEVIRT.virtualMachineInstances,
  services: { group: '', version: 'v1', plural: 'services', kind: 'Service' },
  events: { group: '', version: 'v1', plural: 'events', kind: 'Event' },
} as const satisfies Record<string, ResourceRef>;

/** What to cache: one kind, in one namespace or all, optionally selected. */
export interface CacheSpec {
  readonly resource: ResourceRef;
  /** Undefined: every namespace. */
  readonly namespace?: string | undefined;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/** Live caches; `onChange` runs after any of them changed. */
export interface LiveCaches {
  list<T>(index: number): T[];
  readonly synced: boolean;
  stop(): Promise<void>;
}

export class Cluster {
  readonly client: RestClient;
  readonly namespace: string;
  readonly context: string;

  constructor(connection: Connection) {
    this.client = new RestClient(connection.kubeConfig, { timeoutMs: 30_000 });
    this.namespace = connection.namespace;
    this.context = connection.context;
  }

  /** One object; a clear error when it does not exist. */
  async get<T>(resource: ResourceRef, name: string, namespace = this.namespace): Promise<T> {
    try {
      return await this.client.request<T>(resourcePath(resource, namespace, name));
    } catch (err) {
      if (isNotFound(err))
        throw new CliError(`${resource.kind} ${name} not found in namespace ${namespace}`, { exitCode: 1 });
      throw err;
    }
  }

  async list<T>(
    resource: ResourceRef,
    opts: { namespace?: string | undefined; labelSelector?: string; fieldSelector?: string } = {},
  ): Promise<T[]> {
    const ns = 'namespace' in opts ? opts.namespace : this.namespace;
    const list = await this.client.request<{ items?: T[] }>(resourcePath(resource, ns), {
      query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector },
    });
    return list.items ?? [];
  }

  /** Starts a cache per spec; resolves once every one has listed (or `timeoutMs` passed). */
  async watch(specs: readonly CacheSpec[], onChange: () => void, timeoutMs = 30_000): Promise<LiveCaches> {
    const informers = specs.map(
      (s) =>
        new Informer({
          client: this.client,
          resource: s.resource,
          ...(s.namespace === undefined ? {} : { namespaces: [s.namespace] }),
          ...(s.labelSelector === undefined ? {} : { labelSelector: s.labelSelector }),
          ...(s.fieldSelector === undefined ? {} : { fieldSelector: s.fieldSelector }),
          backoffMaxMs: 5_000,
        }),
    );
    for (const inf of informers) {
      inf.addEventHandler({ onAdd: onChange, onUpdate: onChange, onDelete: onChange });
      inf.start();
    }
    const signal = AbortSignal.timeout(timeoutMs);
    await Promise.all(informers.map((i) => i.waitForSync(signal)));
    return {
      list: <T>(index: number) => (informers[index]?.store.list() ?? []) as T[],
      get synced() {
        return informers.every((i) => i.synced);
      },
      stop: async () => {
        await Promise.all(informers.map((i) => i.stop()));
      },
    };
  }
}

/** The field selector of the Events about one object. */
export function eventsOf(kind: string, name: string): string {
  return `involvedObject.kind=${kind},involvedObject.name=${name}`;
}

// The one door between the maintenance steps and the API server: reads from the shared caches and
// idempotent writes (create if absent, patch, delete if present, server-side apply), all under the
// maintenance controller's field manager. Steps get their facts elsewhere (facts.ts) and never
// touch the client directly, so that every call a step makes is here to read.
import type { V1Pod } from '@kubernetes/client-node';
import {
  API_VERSION,
  LABEL_MEMBER,
  LABEL_SLOT,
  VIRTUAL_APPLIANCE_KIND,
  type Slot,
  type VirtualAppliance,
} from '../../api/v1alpha1/index.ts';
import type { VirtualMachine } from '../../kubevirt/types.ts';
import { apply, applyStatus } from '../../runtime/apply.ts';
import type { ControllerDeps } from '../../runtime/controller.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../../runtime/errors.ts';
import type { KubeObject } from '../../runtime/object.ts';
import { resourcePath, type ResourceRef, type TypedRef } from '../../runtime/resources.ts';
import { vmsOfAppliance } from '../shared/appliance-vms.ts';
import { MAINTENANCE_FIELD_MANAGER } from '../shared/field-managers.ts';
import { LABEL_PLAN, planNames } from './names.ts';
import { JOB_PODS, VMS } from './resources.ts';

/** The appliance's lock and serving slot, always written together (see claimAppliance). */
export interface ApplianceClaim {
  /** status.activePlan: the plan allowed to work on the appliance; '' frees it. */
  readonly activePlan: string;
  /** status.activeSlot: the slot whose VMs serve. */
  readonly activeSlot: Slot;
}

export interface ClusterIO {
  /** A cached object of the plan's namespace by name. */
  get<T extends KubeObject>(ref: TypedRef<T>, name: string): T | undefined;
  /** Cached objects of a kind that this plan created (labelled with it). */
  children<T extends KubeObject>(ref: TypedRef<T>): T[];
  /** Every cached object of a kind in the plan's namespace. */
  inNamespace<T extends KubeObject>(ref: TypedRef<T>): T[];
  /** An object read from the API server itself (for kinds or objects the caches do not hold); undefined when absent. */
  read<T extends KubeObject>(ref: TypedRef<T>, name: string): Promise<T | undefined>;
  /** Every object of a kind in the plan's namespace, listed from the API server itself (not the cache). */
  list<T extends KubeObject>(ref: TypedRef<T>): Promise<T[]>;
  /** The member's VM in a slot: the clone (by its name) in the clone's slot, else the original (by its labels). */
  vmOf(member: string, slot: Slot): VirtualMachine | undefined;
  /** The Pods of one of the plan's Jobs. */
  jobPods(job: string): V1Pod[];
  /** Creates the object unless it exists (409 AlreadyExists is success: a restarted operator re-creates nothing). */
  create<T extends KubeObject>(ref: TypedRef<T>, body: T): Promise<void>;
  /** A server-side dry run of a create (dryRun=All): throws the API server's refusal, stores nothing. */
  dryRunCreate(ref: ResourceRef, body: KubeObject): Promise<void>;
  /** A merge patch (or a JSON patch when `json`). */
  patch(ref: ResourceRef, name: string, body: unknown, opts?: { json?: boolean; subresource?: string }): Promise<void>;
  /** Deletes the object if present (background propagation). */
  remove(ref: ResourceRef, name: string): Promise<void>;
  /** Server-side apply of the fields in `obj`. */
  apply<T extends KubeObject>(obj: T): Promise<T>;
  /**
   * Applies the appliance's activePlan and activeSlot together, as of the appliance's cached
   * resourceVersion: false when the appliance changed meanwhile (another plan may have taken the
   * lock), so that two plans can never both win. Both fields are in every apply: a field this
   * manager stopped applying would be removed.
   */
  claimAppliance(appliance: VirtualAppliance, claim: ApplianceClaim): Promise<boolean>;
}

export interface ClusterIOScope {
  readonly namespace: string;
  readonly plan: string;
  readonly appliance: string;
  /** The clone's slot (see facts.ts). */
  readonly toSlot: Slot;
}

export function clusterIO(deps: ControllerDeps, scope: ClusterIOScope): ClusterIO {
  const { namespace } = scope;
  const vms = deps.cache.informer<VirtualMachine>(VMS).store;
  const names = planNames(scope.plan);
  const query = { fieldManager: MAINTENANCE_FIELD_MANAGER };
  const path = (ref: ResourceRef, name?: string, sub?: string) => resourcePath(ref, namespace, name, sub);
  const inNamespace = <T extends KubeObject>(ref: TypedRef<T>): T[] =>
    deps.cache
      .informer<T>(ref)
      .store.list()
      .filter((o) => o.metadata?.namespace === namespace);
  return {
    get: <T extends KubeObject>(ref: TypedRef<T>, name: string) =>
      deps.cache.informer<T>(ref).store.get(`${namespace}/${name}`),
    children: <T extends KubeObject>(ref: TypedRef<T>) =>
      inNamespace(ref).filter((o) => o.metadata?.labels?.[LABEL_PLAN] === scope.plan),
    inNamespace,
    vmOf(member, slot) {
      if (slot === scope.toSlot) return vms.get(`${namespace}/${names.cloneVm(member)}`);
      return vmsOfAppliance(vms, namespace, scope.appliance).find((vm) => {
        const l = vm.metadata?.labels ?? {};
        return l[LABEL_MEMBER] === member && l[LABEL_SLOT] === slot && l[LABEL_PLAN] !== scope.plan;
      });
    },
    async read<T extends KubeObject>(ref: TypedRef<T>, name: string) {
      try {
        return await deps.client.request<T>(path(ref, name));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async list<T extends KubeObject>(ref: TypedRef<T>) {
      return (await deps.client.request<{ items: T[] }>(path(ref))).items;
    },
    jobPods: (job) => inNamespace(JOB_PODS).filter((p) => p.metadata?.labels?.['job-name'] === job),
    async create(ref, body) {
      try {
        await deps.client.request(path(ref), { method: 'POST', body, query });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    },
    async dryRunCreate(ref, body) {
      await deps.client.request(path(ref), { method: 'POST', body, query: { ...query, dryRun: 'All' } });
    },
    async patch(ref, name, body, opts = {}) {
      await deps.client.request(path(ref, name, opts.subresource), {
        method: 'PATCH',
        body,
        query,
        contentType: opts.json ? 'application/json-patch+json' : 'application/merge-patch+json',
      });
    },
    async remove(ref, name) {
      try {
        await deps.client.request(path(ref, name), { method: 'DELETE', body: { propagationPolicy: 'Background' } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
    apply: (obj) => apply(deps.client, obj, { fieldManager: MAINTENANCE_FIELD_MANAGER }),
    async claimAppliance(appliance, claim) {
      try {
        await applyStatus(
          deps.client,
          {
            apiVersion: API_VERSION,
            kind: VIRTUAL_APPLIANCE_KIND,
            metadata: {
              name: appliance.metadata.name,
              namespace: appliance.metadata.namespace,
              resourceVersion: appliance.metadata.resourceVersion,
            },
            status: { activePlan: claim.activePlan, activeSlot: claim.activeSlot },
          },
          { fieldManager: MAINTENANCE_FIELD_MANAGER },
        );
        return true;
      } catch (err) {
        if (isConflict(err)) return false;
        throw err;
      }
    },
  };
}

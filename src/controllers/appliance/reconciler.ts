// Reconciles one VirtualAppliance: observe (the caches), act (adopt the member VMs, label what runs,
// own the Services' slot key: the writes actions.ts decides), then summarise the live inventory into
// status in one write. An API error an action runs into is written into status too (Reconciling,
// ProgressingWithRetry) before it goes to the work queue's backoff.
import type { V1PersistentVolumeClaim, V1Pod, V1Service } from '@kubernetes/client-node';
import {
  API_VERSION,
  type BaseImage,
  VIRTUAL_APPLIANCE_KIND,
  type VirtualAppliance,
  type VirtualApplianceStatus,
} from '../../api/v1alpha1/index.ts';
import type { DataVolume, VirtualMachine, VirtualMachineInstance } from '../../kubevirt/types.ts';
import { apply, applyStatus } from '../../runtime/apply.ts';
import {
  PROGRESSING_WITH_RETRY,
  conditionsEqual,
  getCondition,
  readKStatus,
  setKStatus,
  type Condition,
  type KStatus,
} from '../../runtime/conditions.ts';
import type { ControllerDeps, ReconcileContext, ReconcileRequest, ReconcileResult } from '../../runtime/controller.ts';
import { errorMessage } from '../../runtime/errors.ts';
import { resourcePath } from '../../runtime/resources.ts';
import { sameJson } from '../../runtime/same-json.ts';
import { APPLIANCE_FIELD_MANAGER } from '../shared/field-managers.ts';
import { applianceActions, type ApplianceAction } from './actions.ts';
import { memberInventory, summarize } from './inventory.ts';
import { observeAppliance, type ApplianceSeen } from './observe.ts';
import { APPLIANCES, BASE_IMAGES, DATA_VOLUMES, LAUNCHER_PODS, PVCS, SERVICES, VMIS, VMS } from './resources.ts';

/** A periodic re-check, as controller-runtime's resync: watches drive everything else. */
const RESYNC_MS = 10 * 60_000;
/**
 * While members start, each VM's every step (Starting, Running, Ready) would rewrite the
 * appliance's progress message; such progress-only changes are written at most this often per
 * appliance (a state change, Ready included, is written at once).
 */
export const PROGRESS_WRITE_INTERVAL_MS = 2_000;

export function applianceReconciler(deps: ControllerDeps) {
  const appliances = deps.cache.informer<VirtualAppliance>(APPLIANCES).store;
  const sources = {
    vms: deps.cache.informer<VirtualMachine>(VMS).store,
    vmis: deps.cache.informer<VirtualMachineInstance>(VMIS).store,
    pods: deps.cache.informer<V1Pod>(LAUNCHER_PODS).store,
    services: deps.cache.informer<V1Service>(SERVICES).store,
    baseImages: deps.cache.informer<BaseImage>(BASE_IMAGES).store,
    dataVolumes: deps.cache.informer<DataVolume>(DATA_VOLUMES).store,
    pvcs: deps.cache.informer<V1PersistentVolumeClaim>(PVCS).store,
  };
  const query = { fieldManager: APPLIANCE_FIELD_MANAGER };
  /** When each appliance's status last got a progress-only write (keys of deleted appliances are dropped). */
  const progressWrites = new Map<string, number>();

  return async (req: ReconcileRequest, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const namespace = req.namespace ?? '';
    const key = `${namespace}/${req.name}`;
    const appliance = appliances.get(key);
    if (appliance === undefined) {
      progressWrites.delete(key);
      return {};
    }
    const seen = observeAppliance(appliance, sources);
    if (seen.kind === 'invalid') {
      await writeStatus(appliance, {}, { state: 'Stalled', reason: 'InvalidSpec', message: seen.message });
      return {};
    }

    let failure: { readonly cause: unknown } | undefined;
    try {
      for (const action of applianceActions(seen)) await act(appliance, action);
    } catch (err) {
      failure = { cause: err };
    }

    const summary = summarize(seen.members.map(inventoryOf), missingServices(seen), seen.activeSlot);
    const kstatus: KStatus =
      failure === undefined
        ? summary.kstatus
        : {
            state: 'Reconciling',
            reason: PROGRESSING_WITH_RETRY,
            message: `${errorMessage(failure.cause)} (retrying)`,
          };
    const progressOnly = failure === undefined && isProgressOnly(appliance.status, kstatus);
    const deferredMs = await writeStatus(
      appliance,
      { members: [...summary.members], readyMembers: summary.readyMembers },
      kstatus,
      progressOnly ? key : undefined,
    );
    if (failure !== undefined) throw failure.cause;
    if (deferredMs !== undefined) return { requeueAfterMs: deferredMs };
    ctx.log.debug('reconciled', { state: summary.kstatus.state, ready: summary.readyMembers });
    return { requeueAfterMs: RESYNC_MS };
  };

  async function act(appliance: VirtualAppliance, action: ApplianceAction): Promise<void> {
    const namespace = appliance.metadata.namespace ?? '';
    switch (action.kind) {
      case 'recordSlot':
        await deps.client.request(resourcePath(APPLIANCES, namespace, appliance.metadata.name ?? '', 'status'), {
          method: 'PATCH',
          contentType: 'application/merge-patch+json',
          query,
          body: { status: { activeSlot: action.slot } },
        });
        return;
      case 'apply':
        await apply(deps.client, action.object, { fieldManager: APPLIANCE_FIELD_MANAGER });
        if (action.event !== undefined)
          await deps.events.normal(appliance, action.eventReason ?? 'Applied', action.event);
        return;
      case 'labelAppliance':
        await deps.client.request(resourcePath(APPLIANCES, namespace, appliance.metadata.name ?? ''), {
          method: 'PATCH',
          contentType: 'application/merge-patch+json',
          query,
          body: { metadata: { labels: action.labels } },
        });
        return;
      case 'annotateVm':
        await deps.client.request(resourcePath(VMS, namespace, action.name), {
          method: 'PATCH',
          contentType: 'application/merge-patch+json',
          query,
          body: { metadata: { annotations: action.annotations } },
        });
        return;
      case 'label':
        await deps.client.request(resourcePath(action.resource, namespace, action.name), {
          method: 'PATCH',
          contentType: 'application/merge-patch+json',
          query,
          body: { metadata: { labels: action.labels } },
        });
        return;
    }
  }

  /**
   * The status write (only when something changed), with an Event when the kstatus summary changes
   * or an error first appears. With `progressKey`, a progress-only change: deferred (the delay
   * returned) when the last one for that appliance was written less than the interval ago.
   */
  async function writeStatus(
    current: VirtualAppliance,
    fields: Partial<VirtualApplianceStatus>,
    kstatus: KStatus,
    progressKey?: string,
  ): Promise<number | undefined> {
    const generation = current.metadata.generation;
    const conditions = setKStatus(
      current.status?.conditions,
      kstatus,
      generation === undefined ? {} : { observedGeneration: generation },
    );
    const status = { ...fields, ...(generation === undefined ? {} : { observedGeneration: generation }), conditions };
    if (statusUnchanged(current.status, status)) return undefined;
    if (progressKey !== undefined) {
      const now = Date.now();
      const wait = (progressWrites.get(progressKey) ?? 0) + PROGRESS_WRITE_INTERVAL_MS - now;
      if (wait > 0) return wait;
      progressWrites.set(progressKey, now);
    }
    await applyStatus(
      deps.client,
      {
        apiVersion: API_VERSION,
        kind: VIRTUAL_APPLIANCE_KIND,
        metadata: { name: current.metadata.name, namespace: current.metadata.namespace },
        status,
      },
      { fieldManager: APPLIANCE_FIELD_MANAGER },
    );
    const before = getCondition(current.status?.conditions, 'Ready');
    if (kstatus.state === 'Reconciling' && kstatus.reason === PROGRESSING_WITH_RETRY) {
      if (before?.reason !== PROGRESSING_WITH_RETRY || before.message !== kstatus.message) {
        await deps.events.warning(current, 'ReconcileError', kstatus.message ?? '');
      }
    } else if (readKStatus(current.status?.conditions) !== kstatus.state) {
      if (kstatus.state === 'Stalled') await deps.events.warning(current, kstatus.reason, kstatus.message ?? '');
      else if (kstatus.state === 'Ready') await deps.events.normal(current, 'Ready', kstatus.message ?? '');
    }
    return undefined;
  }
}

function inventoryOf(m: ApplianceSeen['members'][number]) {
  return memberInventory({
    member: m.member,
    vmName: m.vmName,
    ...(m.vm ? { vm: m.vm } : {}),
    ...(m.vmi ? { vmi: m.vmi } : {}),
    ...(m.ownership?.state === 'other' ? { ownedBy: m.ownership.appliance } : {}),
    ...(m.baseImage ? { baseImage: m.baseImage } : {}),
  });
}

function missingServices(seen: ApplianceSeen): string[] {
  return seen.services.filter((s) => s.service === undefined).map((s) => `Service ${s.name} not found`);
}

/** Still Reconciling for members that are not ready yet, as the status already says: only the progress moved. */
function isProgressOnly(current: VirtualApplianceStatus | undefined, next: KStatus): boolean {
  const ready = getCondition(current?.conditions, 'Reconciling');
  return next.state === 'Reconciling' && next.reason === 'MembersNotReady' && ready?.reason === 'MembersNotReady';
}

function statusUnchanged(
  current: VirtualApplianceStatus | undefined,
  next: Partial<VirtualApplianceStatus> & { conditions: Condition[] },
): boolean {
  if (current === undefined) return false;
  if (!conditionsEqual(current.conditions, next.conditions)) return false;
  const pick = (s: Partial<VirtualApplianceStatus>) => [s.observedGeneration, s.readyMembers, s.members];
  return sameJson(pick(current), pick(next));
}

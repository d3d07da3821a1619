// Reconciles one BaseImage: observe (the caches), decide (pure: the version ledger, who uses each
// version, their states and the release writes), act (finalizers on the versions' storage, the
// deletion of a released version, the DataImportCron's garbage collection), then one status write.
// An API error an action runs into is written into status too (Reconciling, ProgressingWithRetry)
// before it goes to the work queue's backoff.
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import {
  API_VERSION,
  BASE_IMAGE_FINALIZER,
  BASE_IMAGE_KIND,
  type BaseImage,
  type BaseImageStatus,
  type MaintenancePlan,
  type VirtualAppliance,
} from '../../api/v1alpha1/index.ts';
import { issuesLine, safeParseBaseImage } from '../../api/v1alpha1/parse.ts';
import type {
  DataImportCron,
  DataSource,
  DataVolume,
  VirtualMachine,
  VirtualMachineInstance,
  VirtualMachineSnapshot,
} from '../../kubevirt/types.ts';
import { applyStatus } from '../../runtime/apply.ts';
import {
  PROGRESSING_WITH_RETRY,
  conditionsEqual,
  getCondition,
  readKStatus,
  setKStatus,
  type KStatus,
} from '../../runtime/conditions.ts';
import type { ControllerDeps, ReconcileContext, ReconcileRequest, ReconcileResult } from '../../runtime/controller.ts';
import { errorMessage, isNotFound } from '../../runtime/errors.ts';
import type { VolumeSnapshot } from '../../runtime/kinds.ts';
import { resourcePath, type ResourceRef } from '../../runtime/resources.ts';
import { sameJson } from '../../runtime/same-json.ts';
import { BASE_IMAGE_FIELD_MANAGER } from '../shared/field-managers.ts';
import { decideBaseImage, RESYNC_MS, type BaseImageAction, type ObjectRef } from './decide.ts';
import { observeBaseImage, type BaseImageSources } from './observe.ts';
import {
  APPLIANCES,
  BASE_IMAGES,
  DATA_IMPORT_CRONS,
  DATA_SOURCES,
  DATA_VOLUMES,
  PLANS,
  PVCS,
  VMIS,
  VMS,
  VM_SNAPSHOTS,
  VOLUME_SNAPSHOTS,
} from './resources.ts';

/** How soon a BaseImage is looked at again while CDI is missing (the informers' relist period). */
const CDI_RECHECK_MS = 30_000;

const REFS: Record<ObjectRef['kind'], ResourceRef> = {
  PersistentVolumeClaim: PVCS,
  VolumeSnapshot: VOLUME_SNAPSHOTS,
  DataVolume: DATA_VOLUMES,
  DataImportCron: DATA_IMPORT_CRONS,
};

export function baseImageReconciler(deps: ControllerDeps) {
  const images = deps.cache.informer<BaseImage>(BASE_IMAGES).store;
  const sources: BaseImageSources = {
    dataSources: deps.cache.informer<DataSource>(DATA_SOURCES).store,
    crons: deps.cache.informer<DataImportCron>(DATA_IMPORT_CRONS).store,
    pvcs: deps.cache.informer<V1PersistentVolumeClaim>(PVCS).store,
    snapshots: deps.cache.informer<VolumeSnapshot>(VOLUME_SNAPSHOTS).store,
    dataVolumes: deps.cache.informer<DataVolume>(DATA_VOLUMES).store,
    vms: deps.cache.informer<VirtualMachine>(VMS).store,
    vmis: deps.cache.informer<VirtualMachineInstance>(VMIS).store,
    appliances: deps.cache.informer<VirtualAppliance>(APPLIANCES).store,
    plans: deps.cache.informer<MaintenancePlan>(PLANS).store,
    vmSnapshots: deps.cache.informer<VirtualMachineSnapshot>(VM_SNAPSHOTS).store,
  };
  const query = { fieldManager: BASE_IMAGE_FIELD_MANAGER };
  const cdi = [DATA_SOURCES, DATA_VOLUMES, DATA_IMPORT_CRONS].map((ref) => deps.cache.informer(ref));

  return async (req: ReconcileRequest, ctx: ReconcileContext): Promise<ReconcileResult> => {
    const raw = images.get(`${req.namespace ?? ''}/${req.name}`);
    if (raw === undefined) return {};
    const parsed = safeParseBaseImage(raw);
    if (!parsed.ok) {
      await writeStatus(raw, raw.status ?? { versions: [], conditions: [] }, {
        state: 'Stalled',
        reason: 'InvalidSpec',
        message: issuesLine(parsed.error),
      });
      return {};
    }
    // Without CDI there is nothing to import into nor to read a version from: said in status, and
    // looked at again once the CDI kinds are served (their informers list again every 30 s).
    const missing = cdi.filter((i) => i.absent).map((i) => `${i.resource.plural}.${i.resource.group}`);
    if (missing.length > 0) {
      await writeStatus(raw, raw.status ?? { versions: [], conditions: [] }, {
        state: 'Stalled',
        reason: 'CDINotInstalled',
        message: `CDI is not installed: the API server serves no ${missing.join(', ')} (base images need CDI's DataVolumes and DataSources)`,
      });
      return { requeueAfterMs: CDI_RECHECK_MS };
    }
    const decision = decideBaseImage(observeBaseImage(parsed.value, sources, new Date()));
    let failure: { readonly cause: unknown } | undefined;
    try {
      for (const action of decision.actions) await act(action);
    } catch (err) {
      failure = { cause: err };
    }
    const status =
      failure === undefined
        ? decision.status
        : {
            ...decision.status,
            conditions: setKStatus(decision.status.conditions, {
              state: 'Reconciling',
              reason: PROGRESSING_WITH_RETRY,
              message: `${errorMessage(failure.cause)} (retrying)`,
            }),
          };
    await writeStatus(raw, status);
    for (const e of decision.events) {
      if (e.type === 'Warning') await deps.events.warning(raw, e.reason, e.message);
      else await deps.events.normal(raw, e.reason, e.message);
    }
    if (failure !== undefined) throw failure.cause;
    ctx.log.debug('reconciled', { versions: status.versions.length, latest: status.latest?.version });
    return { requeueAfterMs: Math.min(decision.requeueAfterMs, RESYNC_MS) };
  };

  async function act(action: BaseImageAction): Promise<void> {
    const { object } = action;
    const ref = REFS[object.kind];
    const path = resourcePath(ref, object.namespace, object.name);
    switch (action.kind) {
      case 'addFinalizer':
      case 'removeFinalizer': {
        const current = deps.cache.informer(ref).store.get(`${object.namespace}/${object.name}`);
        if (current === undefined) return;
        const list = current.metadata?.finalizers ?? [];
        const finalizers =
          action.kind === 'addFinalizer'
            ? [...list.filter((f) => f !== BASE_IMAGE_FINALIZER), BASE_IMAGE_FINALIZER]
            : list.filter((f) => f !== BASE_IMAGE_FINALIZER);
        // With the cached resourceVersion: a concurrent change (CDI's own update) makes this a 409 to retry.
        await deps.client.request(path, {
          method: 'PATCH',
          contentType: 'application/merge-patch+json',
          query,
          body: { metadata: { finalizers, resourceVersion: current.metadata?.resourceVersion } },
        });
        return;
      }
      case 'delete':
        try {
          await deps.client.request(path, { method: 'DELETE', body: { propagationPolicy: 'Background' } });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        return;
      case 'stopCronGarbageCollection':
        await deps.client.request(path, {
          method: 'PATCH',
          contentType: 'application/merge-patch+json',
          query,
          body: { spec: { garbageCollect: 'Never' } },
        });
        return;
    }
  }

  /** The status write (only when something changed), with an Event when the kstatus summary changes or an error first appears. */
  async function writeStatus(current: BaseImage, next: BaseImageStatus, override?: KStatus): Promise<void> {
    const generation = current.metadata.generation;
    const status: BaseImageStatus =
      override === undefined
        ? next
        : {
            ...next,
            ...(generation === undefined ? {} : { observedGeneration: generation }),
            conditions: setKStatus(
              next.conditions,
              override,
              generation === undefined ? {} : { observedGeneration: generation },
            ),
          };
    if (current.status !== undefined && unchanged(current.status, status)) return;
    await applyStatus(
      deps.client,
      {
        apiVersion: API_VERSION,
        kind: BASE_IMAGE_KIND,
        metadata: { name: current.metadata.name, namespace: current.metadata.namespace },
        status,
      },
      { fieldManager: BASE_IMAGE_FIELD_MANAGER },
    );
    const before = getCondition(current.status?.conditions, 'Ready');
    const after = getCondition(status.conditions, 'Ready');
    const state = readKStatus(status.conditions);
    if (after?.reason === PROGRESSING_WITH_RETRY) {
      if (before?.reason !== PROGRESSING_WITH_RETRY || before.message !== after.message)
        await deps.events.warning(current, 'ReconcileError', after.message);
    } else if (readKStatus(current.status?.conditions) !== state && state === 'Stalled') {
      await deps.events.warning(current, after?.reason ?? 'Stalled', after?.message ?? '');
    }
  }
}

function unchanged(a: BaseImageStatus, b: BaseImageStatus): boolean {
  if (!conditionsEqual(a.conditions, b.conditions)) return false;
  const rest = (s: BaseImageStatus) => ({ ...s, conditions: [] });
  return sameJson(rest(a), rest(b));
}

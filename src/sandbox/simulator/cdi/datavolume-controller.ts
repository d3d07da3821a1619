// The simulated CDI DataVolume controllers and populators: an import DataVolume (registry, http,
// blank) gets a PVC that is filled with the image from the simulated registry; a clone DataVolume
// (spec.source.pvc or .snapshot, in any namespace, or a sourceRef to a DataSource, resolved until it
// succeeds) gets a PVC that is a copy of the source. Phases as CDI's: Pending, ImportScheduled →
// ImportInProgress → Succeeded; CloneScheduled → CSICloneInProgress (from a PVC) or
// CloneFromSnapshotSourceInProgress (from a VolumeSnapshot) → Succeeded. A missing source leaves
// the DataVolume Pending with a CloneWithoutSource Warning, a target smaller than the snapshot's
// restoreSize with CloneValidationFailed (snapshot-clone-controller.go validateSnapshotClone),
// and a snapshot being deleted cannot be provisioned from (the CSI external-provisioner refuses it).
import { open } from 'node:fs/promises';
import type { ControllerDefinition, ReconcileResult } from '../../../runtime/controller.ts';
import { enqueueOwner } from '../../../runtime/controller.ts';
import { errorMessage, isAlreadyExists, isConflict } from '../../../runtime/errors.ts';
import { parseQuantity } from '../../../runtime/quantity.ts';
import { cached, isoNow, type StorageContext } from '../storage/context.ts';
import { copyVolume, createSparse } from '../storage/files.ts';
import type { PvcJson, VolumeSnapshotJson } from '../storage/json.ts';
import { pvcFile, snapshotFile } from '../storage/paths.ts';
import { STORAGE_RESOURCES as R } from '../storage/resources.ts';
import { dvStatus, dvWork, requestedStorage, statusChanged, targetPvc, type DvWork } from './datavolume.ts';
import { osReleaseBlock } from './os-release.ts';
import type { SimRegistry } from './registry.ts';
import { CDI_RESOURCES as C, CDI_ANNOTATION_POD_PHASE, type DataSource, type DataVolume } from './resources.ts';

const BY_SOURCE = 'sim-dv-by-source';

export function dataVolumeController(ctx: StorageContext, registry: SimRegistry): ControllerDefinition {
  const dvs = ctx.informer(C.dataVolumes).store;
  if (!dvs.hasIndex(BY_SOURCE)) {
    dvs.addIndex(BY_SOURCE, (o) => {
      const dv = o as unknown as DataVolume;
      const ns = dv.metadata?.namespace ?? '';
      const s = dv.spec.source;
      const ref = dv.spec.sourceRef;
      if (ref !== undefined) return [`DataSource/${ref.namespace ?? ns}/${ref.name}`];
      if (s?.pvc) return [`PersistentVolumeClaim/${s.pvc.namespace || ns}/${s.pvc.name}`];
      if (s?.snapshot) return [`VolumeSnapshot/${s.snapshot.namespace || ns}/${s.snapshot.name}`];
      return [];
    });
  }
  const waitingOn = (kind: string) => (o: { metadata?: { namespace?: string; name?: string } }) =>
    dvs
      .byIndex(BY_SOURCE, `${kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`)
      .map((d) => ({ namespace: d.metadata?.namespace ?? '', name: d.metadata?.name ?? '' }));
  const dataSource = (ns: string, name: string) => cached<DataSource>(ctx, C.dataSources, ns, name);

  return {
    name: 'cdi-simulator-datavolume',
    maxConcurrentReconciles: 4,
    watches: [
      { resource: C.dataVolumes },
      { resource: R.pvcs, map: enqueueOwner('DataVolume', 'cdi.kubevirt.io') },
      { resource: R.pvcs, map: (o) => waitingOn('PersistentVolumeClaim')(o) },
      { resource: R.volumeSnapshots, map: (o) => waitingOn('VolumeSnapshot')(o) },
      { resource: C.dataSources, map: (o) => waitingOn('DataSource')(o) },
    ],
    reconcile: async (req, rctx): Promise<ReconcileResult | undefined> => {
      const ns = req.namespace ?? '';
      const key = `dv/${ns}/${req.name}`;
      const dv = cached<DataVolume>(ctx, C.dataVolumes, ns, req.name);
      if (dv === undefined) {
        ctx.steps.forget(key);
        return undefined;
      }
      const phase = dv.status?.phase;
      if (dv.metadata?.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed') return undefined;
      const now = isoNow(ctx);
      const pvc = cached<PvcJson>(ctx, R.pvcs, ns, req.name);
      const write = async (next: NonNullable<DataVolume['status']>): Promise<ReconcileResult | undefined> => {
        if (!statusChanged(dv.status, next)) return undefined;
        try {
          await ctx.api.patch(
            C.dataVolumes,
            ns,
            req.name,
            { status: next },
            { status: true, resourceVersion: dv.metadata?.resourceVersion ?? '' },
          );
        } catch (err) {
          if (isConflict(err)) return { requeue: true };
          throw err;
        }
        return undefined;
      };
      const work = dvWork(dv, dataSource);
      if (work.kind === 'unsupported') {
        rctx.log.warn('DataVolume source not simulated', { dv: req.name, what: work.what });
        return write(
          dvStatus(dv, 'Pending', pvc, {
            now,
            boundReason: 'Unsupported',
            boundMessage: `the sandbox's CDI does not simulate ${work.what}`,
          }),
        );
      }
      if (work.kind === 'unresolved')
        return write(dvStatus(dv, 'Pending', pvc, { now, boundReason: work.reason, boundMessage: work.message }));
      const scheduled = work.kind === 'clone' ? 'CloneScheduled' : 'ImportScheduled';
      const running =
        work.kind === 'clone'
          ? work.from === 'snapshot'
            ? 'CloneFromSnapshotSourceInProgress'
            : 'CSICloneInProgress'
          : 'ImportInProgress';

      if (pvc === undefined) {
        const checked = checkSource(ctx, dv, work);
        if ('problem' in checked)
          return write(
            dvStatus(dv, phase ?? 'Pending', undefined, {
              now,
              boundReason: checked.reason,
              boundMessage: checked.problem,
            }),
          );
        try {
          await ctx.api.create(R.pvcs, ns, targetPvc(dv, work, checked.size));
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
        }
        return write(
          dvStatus(dv, scheduled, undefined, { now, boundReason: 'Pending', boundMessage: `PVC ${req.name} Pending` }),
        );
      }
      if (pvc.status?.phase === 'Bound') {
        ctx.steps.forget(key);
        return write(dvStatus(dv, 'Succeeded', pvc, { now, progress: work.kind === 'clone' ? '100.0%' : '100.0%' }));
      }
      // A source that went away (or is being deleted) meanwhile: the populator cannot go on.
      const checked = checkSource(ctx, dv, work);
      if ('problem' in checked)
        return write(dvStatus(dv, scheduled, pvc, { now, boundReason: checked.reason, boundMessage: checked.problem }));
      const delay = ctx.stepDelayMs;
      const toRun = ctx.steps.remaining(key, 'run', delay);
      if (phase !== running) {
        if (toRun > 0) return { requeueAfterMs: toRun };
        return (
          (await write(
            dvStatus(dv, running, pvc, { now, running: true, progress: work.kind === 'clone' ? 'N/A' : '0.00%' }),
          )) ?? (delay > 0 ? { requeueAfterMs: delay } : { requeueAfterMs: 1 })
        );
      }
      const toDone = ctx.steps.remaining(key, 'done', delay);
      if (toDone > 0) return { requeueAfterMs: toDone };
      // The importer or cloner writes the volume, then the PVC binds.
      const size = parseQuantity(pvc.spec?.resources?.requests?.storage ?? '0', `PVC ${req.name} size`);
      const file = pvcFile(ctx.volumesDir, ns, req.name);
      try {
        if (work.kind === 'clone') {
          const from =
            work.from === 'snapshot'
              ? snapshotFile(ctx.volumesDir, work.namespace, work.name)
              : pvcFile(ctx.volumesDir, work.namespace, work.name);
          await ctx.locks.with([from, file], () => copyVolume(from, file, size));
        } else {
          await ctx.locks.with([file], async () => {
            await createSparse(file, size);
            if (work.kind === 'import') {
              const handle = await open(file, 'r+');
              try {
                await handle.write(osReleaseBlock(registry.resolve(work.url)), 0, undefined, 0);
              } finally {
                await handle.close();
              }
            }
          });
        }
      } catch (err) {
        rctx.log.warn('populating the DataVolume failed', { dv: req.name, error: errorMessage(err) });
        return { requeueAfterMs: 1_000 };
      }
      await ctx.api.patch(R.pvcs, ns, req.name, {
        metadata: { annotations: { [CDI_ANNOTATION_POD_PHASE]: 'Succeeded' } },
      });
      try {
        await ctx.api.patch(
          R.pvcs,
          ns,
          req.name,
          {
            status: {
              phase: 'Bound',
              accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
              capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '0' },
            },
          },
          { status: true },
        );
      } catch (err) {
        if (isConflict(err)) return { requeue: true };
        throw err;
      }
      rctx.log.debug('DataVolume populated', { dv: req.name, work: work.kind });
      return undefined;
    },
  };
}

/** Whether the clone source can be copied, and the size of the target. */
function checkSource(
  ctx: StorageContext,
  dv: DataVolume,
  work: DvWork,
): { size: string } | { reason: string; problem: string } {
  const requested = requestedStorage(dv);
  if (work.kind !== 'clone')
    return requested === undefined
      ? { reason: 'ErrClaimNotValid', problem: 'no storage size requested' }
      : { size: requested };
  if (work.from === 'pvc') {
    const src = cached<PvcJson>(ctx, R.pvcs, work.namespace, work.name);
    if (src === undefined)
      return { reason: 'CloneWithoutSource', problem: `The source pvc ${work.name} doesn't exist` };
    if (src.status?.phase !== 'Bound')
      return { reason: 'CloneWithoutSource', problem: `The source pvc ${work.name} is not Bound yet` };
    const size = requested ?? src.status.capacity?.storage ?? src.spec?.resources?.requests?.storage;
    return size === undefined ? { reason: 'ErrClaimNotValid', problem: 'no size' } : { size };
  }
  const snap = cached<VolumeSnapshotJson>(ctx, R.volumeSnapshots, work.namespace, work.name);
  if (snap === undefined)
    return { reason: 'CloneWithoutSource', problem: `The source snapshot ${work.name} doesn't exist` };
  if (snap.metadata?.deletionTimestamp)
    return {
      reason: 'ProvisioningFailed',
      problem: `snapshot ${work.namespace}/${work.name} is currently being deleted`,
    };
  if (snap.status?.readyToUse !== true)
    return { reason: 'Pending', problem: `snapshot ${work.namespace}/${work.name} is not ready to use` };
  if (snap.status.error?.message)
    return {
      reason: 'CloneValidationFailed',
      problem: `The clone doesn't meet the validation requirements: snapshot in error state with msg: ${snap.status.error.message}`,
    };
  if (!snap.spec.volumeSnapshotClassName)
    return {
      reason: 'CloneValidationFailed',
      problem: `The clone doesn't meet the validation requirements: snapshot ${work.name}/${work.namespace} does not have volume snap class populated, can't clone`,
    };
  const restore = snap.status.restoreSize;
  if (requested === undefined) {
    return restore === undefined
      ? {
          reason: 'CloneValidationFailed',
          problem: "size not specified by user/provisioner, can't tell how much needed for restore",
        }
      : { size: restore };
  }
  if (restore !== undefined && parseQuantity(restore, 'restoreSize') > parseQuantity(requested, 'storage')) {
    return {
      reason: 'CloneValidationFailed',
      problem: `The clone doesn't meet the validation requirements: target resources requests storage size is smaller than the source ${String(parseQuantity(requested, 'storage'))} < ${String(parseQuantity(restore, 'restoreSize'))}`,
    };
  }
  return { size: requested };
}

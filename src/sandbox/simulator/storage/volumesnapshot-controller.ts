// The simulated CSI snapshotter: a VolumeSnapshot of a bound PVC is a copy of the PVC's file at
// that instant (taken under the file's lock, so the workload's writes are wholly before or after
// it); its creationTime is that instant. A deleted VolumeSnapshot's copy is removed.
import type { ControllerDefinition, ReconcileResult } from '../../../runtime/controller.ts';
import { isConflict } from '../../../runtime/errors.ts';
import { cached, isoNow, type StorageContext } from './context.ts';
import { faultsFor } from './faults.ts';
import { copyVolume, exists, removeFile, tickPast } from './files.ts';
import type { PvcJson, VolumeSnapshotJson } from './json.ts';
import { pvcFile, snapshotFile } from './paths.ts';
import { isBound } from './pvc.ts';
import { STORAGE_RESOURCES as R } from './resources.ts';
import { cutStatus, errorStatus, readyStatus, type VolumeSnapshotStatus } from './volumesnapshot.ts';

const BY_PVC = 'sim-volumesnapshot-by-pvc';

export function volumeSnapshotController(ctx: StorageContext): ControllerDefinition {
  const snapshots = ctx.informer(R.volumeSnapshots).store;
  if (!snapshots.hasIndex(BY_PVC)) {
    snapshots.addIndex(BY_PVC, (s) => {
      const pvc = (s as unknown as VolumeSnapshotJson).spec.source.persistentVolumeClaimName;
      return pvc ? [`${s.metadata?.namespace ?? ''}/${pvc}`] : [];
    });
  }
  return {
    name: 'storage-simulator-volumesnapshot',
    maxConcurrentReconciles: 4,
    watches: [
      { resource: R.volumeSnapshots },
      {
        resource: R.pvcs,
        map: (p) =>
          snapshots
            .byIndex(BY_PVC, `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`)
            .map((s) => ({ namespace: s.metadata?.namespace ?? '', name: s.metadata?.name ?? '' })),
      },
    ],
    reconcile: async (req, rctx): Promise<ReconcileResult | undefined> => {
      const ns = req.namespace ?? '';
      const key = `vs/${ns}/${req.name}`;
      const file = snapshotFile(ctx.volumesDir, ns, req.name);
      const vs = cached<VolumeSnapshotJson>(ctx, R.volumeSnapshots, ns, req.name);
      if (!vs) {
        ctx.steps.forget(key);
        await ctx.locks.with([file], () => removeFile(file));
        return undefined;
      }
      if (vs.metadata?.deletionTimestamp || vs.status?.readyToUse === true || vs.status?.error) return undefined;
      const write = async (status: VolumeSnapshotStatus): Promise<ReconcileResult | undefined> => {
        try {
          await ctx.api.patch(
            R.volumeSnapshots,
            ns,
            req.name,
            { status },
            { status: true, resourceVersion: vs.metadata?.resourceVersion ?? '' },
          );
          return undefined;
        } catch (err) {
          if (isConflict(err)) return { requeue: true };
          throw err;
        }
      };
      const claim = vs.spec.source.persistentVolumeClaimName;
      if (!claim)
        return write(
          errorStatus(
            vs,
            'the simulator supports only dynamic snapshots (source.persistentVolumeClaimName)',
            isoNow(ctx),
          ),
        );
      const pvc = cached<PvcJson>(ctx, R.pvcs, ns, claim);
      const faults = faultsFor(vs, [pvc], ctx.faults);
      const delay = faults.stepDelayMs ?? ctx.stepDelayMs;

      if (vs.status?.creationTime === undefined) {
        if (!isBound(pvc)) return undefined; // waits for its claim (a PVC event brings us back)
        if (faults.snapshotFailure) return write(errorStatus(vs, faults.snapshotFailure, isoNow(ctx)));
        const from = pvcFile(ctx.volumesDir, ns, claim);
        let cut = 0;
        await ctx.locks.with([from, file], async () => {
          // Strictly after every write ledgered before, strictly before every write after.
          cut = await tickPast(Date.now());
          await copyVolume(from, file);
          await tickPast(cut);
        });
        rctx.log.debug('volume snapshot cut', { pvc: claim, file });
        const result = await write(
          cutStatus(
            new Date(cut).toISOString(),
            pvc?.status?.capacity?.storage ?? pvc?.spec?.resources?.requests?.storage ?? '0',
          ),
        );
        return result ?? (delay > 0 ? { requeueAfterMs: ctx.steps.remaining(key, 'ready', delay) } : undefined);
      }
      const wait = ctx.steps.remaining(key, 'ready', delay);
      if (wait > 0) return { requeueAfterMs: wait };
      if (!(await exists(file))) return write(errorStatus(vs, `snapshot data ${file} is missing`, isoNow(ctx)));
      ctx.steps.forget(key);
      return write(readyStatus(vs));
    },
  };
}

// The simulated CSI snapshotter: a VolumeSnapshot of a bound PVC is a copy of the PVC's file at
// that instant (taken under the file's lock, so the workload's writes are wholly before or after
// it); its creationTime is that instant. Its class is resolved as external-snapshotter does (the
// default class of the volume's driver when it names none); its VolumeSnapshotContent
// `snapcontent-<uid>` carries the driver's snapshotHandle. An error is the last one observed: a
// retry that succeeds clears it. A deleted VolumeSnapshot's content and copy are removed.
import type { ControllerDefinition, ReconcileResult } from '../../../runtime/controller.ts';
import { isConflict } from '../../../runtime/errors.ts';
import { isAlreadyExists, isNotFound } from '../../../runtime/errors.ts';
import { parseQuantity } from '../../../runtime/quantity.ts';
import { snapshotClassFor, storageClassOf, type StorageClassJson, type VolumeSnapshotClassJson } from './classes.ts';
import { cached, cachedList, isoNow, type StorageContext } from './context.ts';
import { apiVersionOf } from './resources.ts';
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
  /** VolumeSnapshots whose injected transient error was reported once. */
  const transientReported = new Set<string>();
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
        await ctx.api.delete(R.volumeSnapshotContents, '', contentNameOf(req.namespace ?? '', req.name, ctx));
        return undefined;
      }
      if (vs.metadata?.deletionTimestamp || vs.status?.readyToUse === true) return undefined;
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
      // A failure injected as permanent stays; any other error is retried.
      if (faults.snapshotFailure) {
        return vs.status?.error ? undefined : write(errorStatus(vs, faults.snapshotFailure, isoNow(ctx)));
      }

      // The class: named, else the default one of the volume's driver.
      const driver = storageClassOf(pvc, cachedList<StorageClassJson>(ctx, R.storageClasses))?.provisioner;
      const resolved = snapshotClassFor(
        vs.spec.volumeSnapshotClassName,
        pvc === undefined ? undefined : driver,
        cachedList<VolumeSnapshotClassJson>(ctx, R.volumeSnapshotClasses),
      );
      if ('error' in resolved) {
        if (vs.status?.error?.message !== resolved.error) return write(errorStatus(vs, resolved.error, isoNow(ctx)));
        return { requeueAfterMs: 2_000 }; // the snapshot controller retries (a class may be added)
      }
      if (vs.spec.volumeSnapshotClassName === undefined) {
        // SetDefaultSnapshotClass writes the default class into the VolumeSnapshot's spec.
        await ctx.api.patch(R.volumeSnapshots, ns, req.name, {
          spec: { volumeSnapshotClassName: resolved.class.metadata?.name },
        });
        return undefined;
      }
      // A transient driver error: reported once, then the retry succeeds and clears it.
      if (faults.snapshotTransientError && vs.status?.creationTime === undefined && !transientReported.has(key)) {
        transientReported.add(key);
        return (
          (await write(errorStatus(vs, faults.snapshotTransientError, isoNow(ctx)))) ?? {
            requeueAfterMs: Math.max(delay, 200),
          }
        );
      }

      if (vs.status?.creationTime === undefined) {
        if (!isBound(pvc)) return undefined; // waits for its claim (a PVC event brings us back)
        const from = pvcFile(ctx.volumesDir, ns, claim);
        let cut = 0;
        await ctx.locks.with([from, file], async () => {
          // Strictly after every write ledgered before, strictly before every write after.
          cut = await tickPast(Date.now());
          await copyVolume(from, file);
          await tickPast(cut);
        });
        rctx.log.debug('volume snapshot cut', { pvc: claim, file });
        const restoreSize = pvc?.status?.capacity?.storage ?? pvc?.spec?.resources?.requests?.storage ?? '0';
        const contentName = await ensureContent(vs, resolved.class, driver ?? '', cut, restoreSize);
        transientReported.delete(key);
        const result = await write({
          ...cutStatus(new Date(cut).toISOString(), restoreSize),
          boundVolumeSnapshotContentName: contentName,
          // The retry succeeded: the last error is cleared.
          ...(vs.status?.error ? { error: null } : {}),
        } as VolumeSnapshotStatus);
        return result ?? (delay > 0 ? { requeueAfterMs: ctx.steps.remaining(key, 'ready', delay) } : undefined);
      }
      const wait = ctx.steps.remaining(key, 'ready', delay);
      if (wait > 0) return { requeueAfterMs: wait };
      if (!(await exists(file))) return write(errorStatus(vs, `snapshot data ${file} is missing`, isoNow(ctx)));
      ctx.steps.forget(key);
      await markContentReady(vs);
      return write(readyStatus(vs));
    },
  };

  /** The VolumeSnapshotContent of a cut snapshot, as the snapshot controller creates and the sidecar fills it. */
  async function ensureContent(
    vs: VolumeSnapshotJson,
    snapshotClass: VolumeSnapshotClassJson,
    driver: string,
    cut: number,
    restoreSize: string,
  ): Promise<string> {
    const name = contentNameFor(vs);
    try {
      await ctx.api.create(R.volumeSnapshotContents, '', {
        apiVersion: apiVersionOf(R.volumeSnapshotContents),
        kind: R.volumeSnapshotContents.kind,
        metadata: { name },
        spec: {
          deletionPolicy: snapshotClass.deletionPolicy,
          driver,
          source: { volumeHandle: volumeHandleOf(vs) },
          volumeSnapshotClassName: snapshotClass.metadata?.name,
          volumeSnapshotRef: {
            apiVersion: apiVersionOf(R.volumeSnapshots),
            kind: R.volumeSnapshots.kind,
            name: vs.metadata?.name,
            namespace: vs.metadata?.namespace,
            uid: vs.metadata?.uid,
          },
        },
      });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    await ctx.api.patch(
      R.volumeSnapshotContents,
      '',
      name,
      {
        status: {
          snapshotHandle: snapshotHandleFor(vs),
          creationTime: cut * 1_000_000,
          restoreSize: parseQuantity(restoreSize, 'restoreSize'),
          readyToUse: false,
        },
      },
      { status: true },
    );
    return name;
  }

  async function markContentReady(vs: VolumeSnapshotJson): Promise<void> {
    try {
      await ctx.api.patch(
        R.volumeSnapshotContents,
        '',
        contentNameFor(vs),
        { status: { readyToUse: true } },
        { status: true },
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** external-snapshotter's name of a dynamically provisioned content: snapcontent-<VolumeSnapshot uid>. */
export function contentNameFor(vs: VolumeSnapshotJson): string {
  return `snapcontent-${vs.metadata?.uid ?? ''}`;
}

/** The simulated driver's ids: the volume as <namespace>/<claim>, a snapshot by its VolumeSnapshot's uid. */
export function volumeHandleOf(vs: VolumeSnapshotJson): string {
  return `${vs.metadata?.namespace ?? ''}/${vs.spec.source.persistentVolumeClaimName ?? ''}`;
}
export function snapshotHandleFor(vs: VolumeSnapshotJson): string {
  return `snap-${vs.metadata?.uid ?? ''}`;
}

/** The content of a VolumeSnapshot that is gone (its uid is only in the content's reference). */
function contentNameOf(namespace: string, name: string, ctx: StorageContext): string {
  const content = cachedList<{
    metadata?: { name?: string };
    spec?: { volumeSnapshotRef?: { namespace?: string; name?: string } };
  }>(ctx, R.volumeSnapshotContents).find(
    (c) => c.spec?.volumeSnapshotRef?.namespace === namespace && c.spec.volumeSnapshotRef.name === name,
  );
  return content?.metadata?.name ?? `snapcontent-of-${name}`;
}

// The simulated CSI provisioner and binder: a PVC becomes a sparse file of its requested size (or a
// copy of its source snapshot or claim), then Bound; a deleted PVC's file is removed.
import { errorMessage } from '../../../runtime/errors.ts';
import type { ControllerDefinition, ReconcileResult } from '../../../runtime/controller.ts';
import { isConflict } from '../../../runtime/errors.ts';
import { formatBytes, parseQuantity } from '../../../runtime/quantity.ts';
import { provisionedBytes, storageClassOf, type StorageClassJson } from './classes.ts';
import { cached, cachedList, type StorageContext } from './context.ts';
import { copyVolume, createSparse, exists, growTo, removeFile } from './files.ts';
import type { PvcJson, VolumeSnapshotJson } from './json.ts';
import { pvcFile, snapshotFile } from './paths.ts';
import { boundStatus, isBound, pvcSource, requestedBytes } from './pvc.ts';
import { STORAGE_RESOURCES as R } from './resources.ts';

const SNAPSHOT_SOURCE_INDEX = 'sim-pvc-by-snapshot';

export function pvcController(ctx: StorageContext): ControllerDefinition {
  const pvcs = ctx.informer(R.pvcs).store;
  if (!pvcs.hasIndex(SNAPSHOT_SOURCE_INDEX)) {
    pvcs.addIndex(SNAPSHOT_SOURCE_INDEX, (p) => {
      const src = pvcSource(p as unknown as PvcJson);
      return src.kind === 'snapshot' || src.kind === 'pvc'
        ? [`${p.metadata?.namespace ?? ''}/${src.kind}/${src.name}`]
        : [];
    });
  }
  // Which claims wait for an object (a VolumeSnapshot or a source claim) to become ready.
  const waiting = (kind: 'snapshot' | 'pvc') => (obj: { metadata?: { namespace?: string; name?: string } }) =>
    pvcs
      .byIndex(SNAPSHOT_SOURCE_INDEX, `${obj.metadata?.namespace ?? ''}/${kind}/${obj.metadata?.name ?? ''}`)
      .map((p) => ({ namespace: p.metadata?.namespace ?? '', name: p.metadata?.name ?? '' }));

  return {
    name: 'storage-simulator-pvc',
    maxConcurrentReconciles: 4,
    watches: [
      { resource: R.pvcs },
      { resource: R.pvcs, map: (o) => waiting('pvc')(o) },
      { resource: R.volumeSnapshots, map: (o) => waiting('snapshot')(o) },
    ],
    reconcile: async (req, rctx): Promise<ReconcileResult | undefined> => {
      const ns = req.namespace ?? '';
      const file = pvcFile(ctx.volumesDir, ns, req.name);
      const pvc = cached<PvcJson>(ctx, R.pvcs, ns, req.name);
      if (!pvc) {
        // Gone (after the pvc-protection finalizer let it go): its volume goes with it.
        await ctx.locks.with([file], () => removeFile(file));
        return undefined;
      }
      if (pvc.metadata?.deletionTimestamp) return undefined;
      let requested: number;
      try {
        requested = requestedBytes(pvc);
      } catch (err) {
        rctx.log.warn('PVC size unreadable; not provisioning', { error: errorMessage(err) });
        return undefined;
      }
      const classes = cachedList<StorageClassJson>(ctx, R.storageClasses);
      const storageClass = storageClassOf(pvc, classes);
      // The driver provisions whole units of its granularity: capacity may exceed the request.
      const size = provisionedBytes(requested, storageClass);
      if (isBound(pvc)) {
        if (!(await exists(file))) rctx.log.warn('bound PVC has no volume file', { file });
        // An expansion (the API server let it through: allowVolumeExpansion): the volume grows.
        const capacity = pvc.status?.capacity?.storage;
        if (capacity !== undefined && parseQuantity(capacity, 'capacity') < size) {
          await ctx.locks.with([file], () => growTo(file, size));
          return patchStatus({ ...pvc.status, capacity: { storage: formatBytes(size) } });
        }
        return undefined;
      }
      const className = pvc.spec?.storageClassName;
      if (className === undefined || storageClass === undefined) {
        // A claim no driver of the sandbox serves stays Pending, as on a cluster without that class.
        await ctx.events.warning(
          pvc,
          'ProvisioningFailed',
          className === undefined
            ? 'no storage class given and no default StorageClass: waiting for a volume to be created'
            : `storageclass.storage.k8s.io "${className}" not found`,
        );
        return undefined;
      }
      // A claim that is not bound yet gets a fresh volume, even if a file of a former claim of the
      // same name is still there.
      const source = pvcSource(pvc);
      if (source.kind === 'populator') return undefined; // the sandbox's CDI fills and binds it
      if (source.kind === 'unsupported') {
        rctx.log.warn('PVC data source not supported by the simulator; not provisioning', { source: source.what });
        return undefined;
      }
      if (source.kind === 'snapshot') {
        const vs = cached<VolumeSnapshotJson>(ctx, R.volumeSnapshots, ns, source.name);
        if (vs?.status?.readyToUse !== true) return undefined; // the snapshot's update brings us back
        // external-provisioner refuses a volume smaller than the snapshot (controller.go).
        const restoreSize = vs.status.restoreSize;
        if (restoreSize !== undefined && requested < parseQuantity(restoreSize, 'restoreSize')) {
          await ctx.events.warning(
            pvc,
            'ProvisioningFailed',
            `failed to provision volume with StorageClass "${className}": error getting handle for DataSource Type VolumeSnapshot by Name ${source.name}: requested volume size ${String(requested)} is less than the size ${String(parseQuantity(restoreSize, 'restoreSize'))} for the source snapshot ${source.name}`,
          );
          return undefined;
        }
        const from = snapshotFile(ctx.volumesDir, ns, source.name);
        await ctx.locks.with([from, file], () => copyVolume(from, file, size));
      } else if (source.kind === 'pvc') {
        const src = cached<PvcJson>(ctx, R.pvcs, ns, source.name);
        if (!isBound(src)) return undefined;
        const from = pvcFile(ctx.volumesDir, ns, source.name);
        await ctx.locks.with([from, file], () => copyVolume(from, file, size));
      } else {
        await ctx.locks.with([file], () => createSparse(file, size));
      }
      const bound = await patchStatus(boundStatus(pvc, size));
      rctx.log.debug('PVC bound', { file, bytes: size, source: source.kind });
      return bound;

      async function patchStatus(status: NonNullable<PvcJson['status']>): Promise<ReconcileResult | undefined> {
        try {
          await ctx.api.patch(
            R.pvcs,
            ns,
            req.name,
            { status },
            { status: true, resourceVersion: pvc?.metadata?.resourceVersion ?? '' },
          );
          return undefined;
        } catch (err) {
          if (isConflict(err)) return { requeue: true };
          throw err;
        }
      }
    },
  };
}

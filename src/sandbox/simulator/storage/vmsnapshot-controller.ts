// The simulated KubeVirt snapshot controller: VirtualMachineSnapshot → VirtualMachineSnapshotContent
// (a copy of the VM) → one CSI VolumeSnapshot per PVC or DataVolume volume → Succeeded.
import { isDeepStrictEqual } from 'node:util';
import type {
  VirtualMachine,
  VirtualMachineInstance,
  VirtualMachineSnapshot,
  VirtualMachineSnapshotContent,
} from '../../../kubevirt/types.ts';
import type { ControllerDefinition, ReconcileResult } from '../../../runtime/controller.ts';
import type { KubeObject } from '../../../runtime/object.ts';
import { isAlreadyExists, isConflict } from '../../../runtime/errors.ts';
import { ownerRef } from './api.ts';
import {
  kubevirtSnapshotClass,
  storageClassOf,
  type StorageClassJson,
  type VolumeSnapshotClassJson,
} from './classes.ts';
import { cached, cachedList, isoNow, type StorageContext } from './context.ts';
import { faultsFor } from './faults.ts';
import type { PvcJson, VolumeSnapshotJson } from './json.ts';
import { apiVersionOf, STORAGE_RESOURCES as R } from './resources.ts';
import {
  contentFor,
  contentNameFor,
  contentStatusFor,
  failedStatus,
  failureDeadlineMs,
  indicationsFor,
  inProgressStatus,
  isFinished,
  snapshotVolumes,
  sourceMissingStatus,
  succeededStatus,
  type SnapshotStatus,
} from './vmsnapshot.ts';

export function vmSnapshotController(ctx: StorageContext): ControllerDefinition {
  const contents = ctx.informer(R.vmSnapshotContents).store;
  // A VolumeSnapshot belongs to a content, which names its snapshot.
  const snapshotOfVolumeSnapshot = (vs: KubeObject) => {
    const owner = vs.metadata?.ownerReferences?.find((o) => o.kind === R.vmSnapshotContents.kind);
    if (!owner) return [];
    const content = contents.get(`${vs.metadata?.namespace ?? ''}/${owner.name}`) as unknown as
      VirtualMachineSnapshotContent | undefined;
    const name = content?.spec.virtualMachineSnapshotName;
    return name ? [{ namespace: vs.metadata?.namespace ?? '', name }] : [];
  };
  return {
    name: 'storage-simulator-vmsnapshot',
    maxConcurrentReconciles: 4,
    watches: [
      { resource: R.vmSnapshots },
      {
        resource: R.vmSnapshotContents,
        map: (c) => {
          const name = (c as unknown as VirtualMachineSnapshotContent).spec.virtualMachineSnapshotName;
          return name ? [{ namespace: c.metadata?.namespace ?? '', name }] : [];
        },
      },
      { resource: R.volumeSnapshots, map: (vs) => snapshotOfVolumeSnapshot(vs) },
      // The lock taken: the snapshot holding the VM goes on.
      {
        resource: R.vms,
        map: (vm) => {
          const holder = (vm as unknown as VirtualMachine).status?.snapshotInProgress;
          return holder ? [{ namespace: vm.metadata?.namespace ?? '', name: holder }] : [];
        },
      },
    ],
    reconcile: async (req, rctx): Promise<ReconcileResult | undefined> => {
      const ns = req.namespace ?? '';
      const key = `vmsnapshot/${ns}/${req.name}`;
      /** KubeVirt's snapshot class for a claim of the namespace. */
      const snapshotClassOf = (claim: string | undefined): string | undefined => {
        const pvc = claim === undefined ? undefined : cached<PvcJson>(ctx, R.pvcs, ns, claim);
        const driver = storageClassOf(pvc, cachedList<StorageClassJson>(ctx, R.storageClasses))?.provisioner;
        return kubevirtSnapshotClass(driver, cachedList<VolumeSnapshotClassJson>(ctx, R.volumeSnapshotClasses))
          ?.metadata?.name;
      };
      /** status.snapshotInProgress of the VM (null unlocks). */
      const setSnapshotInProgress = async (
        vm: VirtualMachine,
        value: string | null,
      ): Promise<ReconcileResult | undefined> => {
        try {
          await ctx.api.patch(
            R.vms,
            ns,
            vm.metadata?.name ?? '',
            { status: { snapshotInProgress: value } },
            { status: true, resourceVersion: vm.metadata?.resourceVersion ?? '' },
          );
          return undefined;
        } catch (err) {
          if (isConflict(err)) return { requeue: true };
          throw err;
        }
      };
      const snap = cached<VirtualMachineSnapshot>(ctx, R.vmSnapshots, ns, req.name);
      if (!snap || isFinished(snap) || snap.metadata?.deletionTimestamp) {
        ctx.steps.forget(key);
        ctx.freezer.thaw(key);
        // The VM is unlocked once its snapshot ends or goes (source.go Unlock; KubeVirt's finalizer
        // on the snapshot lets it do so after a deletion too).
        const held = cachedList<VirtualMachine>(ctx, R.vms, ns).find((v) => v.status?.snapshotInProgress === req.name);
        if (held) await setSnapshotInProgress(held, null);
        return undefined;
      }
      const writeStatus = async (status: SnapshotStatus): Promise<ReconcileResult | undefined> => {
        try {
          await ctx.api.patch(
            R.vmSnapshots,
            ns,
            req.name,
            { status },
            { status: true, resourceVersion: snap.metadata?.resourceVersion ?? '' },
          );
          return undefined;
        } catch (err) {
          if (isConflict(err)) return { requeue: true };
          throw err;
        }
      };
      const now = isoNow(ctx);
      const source = snap.spec.source;
      if (source.kind !== R.vms.kind || (source.apiGroup ?? '') !== R.vms.group) {
        return writeStatus(
          failedStatus(snap, `the source kind ${source.kind} is not supported: only VirtualMachine`, now),
        );
      }
      const vm = cached<VirtualMachine>(ctx, R.vms, ns, source.name);
      const faults = faultsFor(snap, [vm], ctx.faults);
      const delay = faults.stepDelayMs ?? ctx.stepDelayMs;
      const created = Date.parse(snap.metadata?.creationTimestamp ?? now);
      const deadline = created + failureDeadlineMs(snap);
      if (ctx.now() > deadline) return writeStatus(failedStatus(snap, 'snapshot deadline exceeded', now));
      const untilDeadline = { requeueAfterMs: Math.min(deadline - ctx.now() + 1, 2_147_000_000) };

      // One snapshot of a VM at a time: it waits while another one holds the VM (source.go Lock).
      if (vm !== undefined) {
        const holder = vm.status?.snapshotInProgress;
        if (holder != null && holder !== req.name)
          return { requeueAfterMs: Math.min(2_000, untilDeadline.requeueAfterMs) };
        if (holder == null) return (await setSnapshotInProgress(vm, req.name)) ?? undefined;
      }

      if (snap.status?.phase !== 'InProgress') {
        if (!vm) {
          const status = sourceMissingStatus(snap, now);
          return isDeepStrictEqual(status, snap.status)
            ? untilDeadline
            : ((await writeStatus(status)) ?? untilDeadline);
        }
        const vmi = cached<VirtualMachineInstance>(ctx, R.vmis, ns, source.name);
        const ind = indicationsFor(vmi, faults.quiesceFailed);
        return writeStatus(inProgressStatus(snap, vm, snapshotVolumes(vm, faults.excludeVolumes), ind, now));
      }

      if (faults.snapshotFailure) {
        const wait = ctx.steps.remaining(key, 'fail', delay);
        if (wait > 0) return { requeueAfterMs: wait };
        return writeStatus(failedStatus(snap, faults.snapshotFailure, now));
      }

      const contentName = snap.status.virtualMachineSnapshotContentName ?? contentNameFor(snap);
      const content = cached<VirtualMachineSnapshotContent>(ctx, R.vmSnapshotContents, ns, contentName);
      if (!content) {
        if (!vm) return untilDeadline;
        const volumes = snapshotVolumes(vm, faults.excludeVolumes);
        const pvcs = new Map<string, PvcJson>();
        for (const v of volumes.included) {
          const pvc = cached<PvcJson>(ctx, R.pvcs, ns, v.claimName);
          if (!pvc) {
            // The cache may be behind a claim created a moment ago: ask the API server before failing.
            if (await ctx.api.get(R.pvcs, ns, v.claimName)) return { requeueAfterMs: 200 };
            return writeStatus(
              failedStatus(snap, `PersistentVolumeClaim ${v.claimName} of volume ${v.volumeName} does not exist`, now),
            );
          }
          pvcs.set(v.claimName, pvc);
        }
        // A running VM is copied as it was started (its VMI's ControllerRevision).
        const vmi = cached<VirtualMachineInstance>(ctx, R.vmis, ns, source.name);
        const online = vmi !== undefined && vmi.metadata?.deletionTimestamp == null && vmi.status?.phase === 'Running';
        const revisionName = online ? vmi.status?.virtualMachineRevisionName : undefined;
        const revision =
          revisionName === undefined
            ? undefined
            : cached<{ data?: VirtualMachine }>(ctx, R.controllerRevisions, ns, revisionName);
        if (revisionName !== undefined && revision?.data === undefined) {
          return { requeueAfterMs: 200 }; // the cache may be behind: KubeVirt retries too (source.go getVMRevision)
        }
        try {
          await ctx.api.create(R.vmSnapshotContents, ns, contentFor(snap, vm, volumes.included, pvcs, revision?.data));
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
        }
        return undefined;
      }

      // The content's volume snapshots: freeze the guest if its agent can, create the missing ones
      // (each is cut by the CSI snapshotter), thaw once all are cut; then follow them.
      const frozenCut =
        snap.status.indications?.includes('GuestAgent') === true && !snap.status.indications.includes('QuiesceTimeout');
      // A freeze the guest refuses stops the snapshot until KubeVirt's retries succeed or its
      // deadline passes (snapshot.go: the freeze is retried every 5 s).
      if (
        snap.status.indications?.includes('GuestAgent') === true &&
        faults.quiesceFailed === 'error' &&
        content.status?.creationTime === undefined
      ) {
        const message = `Failed freezing vm ${source.name}: the guest agent refused to freeze its file systems`;
        if (snap.status.error?.message !== message)
          return writeStatus({ ...snap.status, error: { message, time: now } });
        return { requeueAfterMs: Math.min(5_000, untilDeadline.requeueAfterMs) };
      }
      if (frozenCut && content.status?.creationTime === undefined) ctx.freezer.freeze(key, `${ns}/${source.name}`);
      const volumeSnapshots = new Map<string, VolumeSnapshotJson | undefined>();
      for (const b of content.spec.volumeBackups ?? []) {
        const name = b.volumeSnapshotName ?? '';
        let vs = cached<VolumeSnapshotJson>(ctx, R.volumeSnapshots, ns, name);
        if (!vs && content.status?.creationTime === undefined) {
          try {
            vs = await ctx.api.create<VolumeSnapshotJson>(R.volumeSnapshots, ns, {
              apiVersion: apiVersionOf(R.volumeSnapshots),
              kind: R.volumeSnapshots.kind,
              metadata: {
                name,
                namespace: ns,
                ownerReferences: [ownerRef(apiVersionOf(R.vmSnapshotContents), R.vmSnapshotContents.kind, content)],
              },
              spec: {
                source: { persistentVolumeClaimName: b.persistentVolumeClaim.metadata?.name ?? '' },
                // KubeVirt names the class itself: the one of the volume's driver (snapshot.go).
                ...(snapshotClassOf(b.persistentVolumeClaim.metadata?.name) !== undefined
                  ? { volumeSnapshotClassName: snapshotClassOf(b.persistentVolumeClaim.metadata?.name) }
                  : {}),
              },
            });
            rctx.log.debug('volume snapshot created', { name });
          } catch (err) {
            if (!isAlreadyExists(err)) throw err;
          }
        }
        volumeSnapshots.set(name, vs);
      }
      const { status: contentStatus, error } = contentStatusFor(content, volumeSnapshots, now);
      if (contentStatus.creationTime !== undefined || error) ctx.freezer.thaw(key);
      if (!isDeepStrictEqual(contentStatus, content.status ?? {})) {
        try {
          await ctx.api.patch(
            R.vmSnapshotContents,
            ns,
            contentName,
            { status: contentStatus },
            { status: true, resourceVersion: content.metadata?.resourceVersion ?? '' },
          );
        } catch (err) {
          if (isConflict(err)) return { requeue: true };
          throw err;
        }
      }
      // A VolumeSnapshot error is the snapshot's error, not its end: KubeVirt waits for the snapshot
      // controller's retry until the failure deadline (snapshot.go updateSnapshotStatus).
      if (error) {
        if (snap.status.error?.message !== error)
          return writeStatus({ ...snap.status, error: { message: error, time: now } });
        return { requeueAfterMs: Math.min(2_000, untilDeadline.requeueAfterMs) };
      }
      if (snap.status.error !== undefined) {
        return writeStatus({ ...snap.status, error: null } as unknown as SnapshotStatus); // cleared with the content's
      }
      if (contentStatus.readyToUse !== true) return untilDeadline;
      const wait = ctx.steps.remaining(key, 'succeed', delay);
      if (wait > 0) return { requeueAfterMs: wait };
      return writeStatus(succeededStatus(snap, contentStatus.creationTime ?? now, now));
    },
  };
}

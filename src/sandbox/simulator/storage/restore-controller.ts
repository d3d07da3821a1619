// The simulated KubeVirt restore controller (pkg/storage/snapshot/restore.go): a VirtualMachineRestore
// of a ready snapshot restores one PVC per volume backup from its CSI VolumeSnapshot (owned by the
// target only when that VM exists already), then creates the target VM halted, or replaces the spec
// of the existing stopped one (locked meanwhile), and completes when the claims are bound. Errors
// are retried with the reason in the status; only the restore-failure fault fails it.
import type {
  VirtualMachine,
  VirtualMachineInstance,
  VirtualMachineRestore,
  VirtualMachineSnapshot,
  VirtualMachineSnapshotContent,
} from '../../../kubevirt/types.ts';
import type { ControllerDefinition, ReconcileResult } from '../../../runtime/controller.ts';
import { errorMessage, isAlreadyExists, isConflict } from '../../../runtime/errors.ts';
import { runIntent } from '../runstrategy.ts';
import { cached, cachedList, isoNow, type StorageContext } from './context.ts';
import { faultsFor } from './faults.ts';
import { JsonPatchError } from './jsonpatch.ts';
import type { PvcJson, VolumeSnapshotJson } from './json.ts';
import { isBound } from './pvc.ts';
import { apiVersionOf, STORAGE_RESOURCES as R } from './resources.ts';
import {
  isRestoreFailed,
  LAST_RESTORE_ANNOTATION,
  restoreCompleteStatus,
  restoredPvc,
  restoreErrorStatus,
  restoreFailedStatus,
  restoreInProgressStatus,
  targetVmFor,
  volumeRestoresFor,
  type RestoreStatus,
} from './restore.ts';

const BY_SNAPSHOT = 'sim-restore-by-snapshot';

export function restoreController(ctx: StorageContext): ControllerDefinition {
  const restores = ctx.informer(R.vmRestores).store;
  if (!restores.hasIndex(BY_SNAPSHOT)) {
    restores.addIndex(BY_SNAPSHOT, (r) => [
      `${r.metadata?.namespace ?? ''}/${(r as unknown as VirtualMachineRestore).spec.virtualMachineSnapshotName}`,
    ]);
  }
  const bySnapshot = (s: { metadata?: { namespace?: string; name?: string } }) =>
    restores
      .byIndex(BY_SNAPSHOT, `${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`)
      .map((r) => ({ namespace: r.metadata?.namespace ?? '', name: r.metadata?.name ?? '' }));
  const byAnnotation = (p: { metadata?: { namespace?: string; annotations?: Record<string, string> } }) => {
    const name = p.metadata?.annotations?.['restore.kubevirt.io/name'];
    return name ? [{ namespace: p.metadata?.namespace ?? '', name }] : [];
  };
  return {
    name: 'storage-simulator-vmrestore',
    maxConcurrentReconciles: 4,
    watches: [
      { resource: R.vmRestores },
      { resource: R.vmSnapshots, map: (s) => bySnapshot(s) },
      { resource: R.pvcs, map: (p) => byAnnotation(p) },
      // The lock taken or given back: the restore holding the VM goes on.
      {
        resource: R.vms,
        map: (vm) => {
          const holder = (vm as unknown as VirtualMachine).status?.restoreInProgress;
          return holder ? [{ namespace: vm.metadata?.namespace ?? '', name: holder }] : [];
        },
      },
    ],
    reconcile: async (req): Promise<ReconcileResult | undefined> => {
      const ns = req.namespace ?? '';
      const key = `vmrestore/${ns}/${req.name}`;
      /** status.restoreInProgress of the target VM (null unlocks; the lock's watch event brings us back). */
      const setRestoreInProgress = async (
        vm: VirtualMachine,
        value: string | null,
      ): Promise<ReconcileResult | undefined> => {
        try {
          await ctx.api.patch(
            R.vms,
            ns,
            vm.metadata?.name ?? '',
            { status: { restoreInProgress: value } },
            { status: true, resourceVersion: vm.metadata?.resourceVersion ?? '' },
          );
          return value === null ? { requeue: true } : undefined;
        } catch (err) {
          if (isConflict(err)) return { requeue: true };
          throw err;
        }
      };
      const restore = cached<VirtualMachineRestore>(ctx, R.vmRestores, ns, req.name);
      if (
        !restore ||
        restore.status?.complete === true ||
        isRestoreFailed(restore) ||
        restore.metadata?.deletionTimestamp
      ) {
        ctx.steps.forget(key);
        // A restore that ends or goes gives its VM back (restore.go handleVMRestoreDeletion, UpdateDoneRestore).
        const held = cachedList<VirtualMachine>(ctx, R.vms, ns).find((v) => v.status?.restoreInProgress === req.name);
        if (held) return setRestoreInProgress(held, null);
        return undefined;
      }
      const now = isoNow(ctx);
      /** A retried error: in the status, the restore tries again a little later. */
      const retryLater = async (message: string): Promise<ReconcileResult | undefined> =>
        (await writeStatus(restoreErrorStatus(restore, message, now))) ?? { requeueAfterMs: 5_000 };
      const writeStatus = async (status: RestoreStatus): Promise<ReconcileResult | undefined> => {
        try {
          await ctx.api.patch(
            R.vmRestores,
            ns,
            req.name,
            { status },
            { status: true, resourceVersion: restore.metadata?.resourceVersion ?? '' },
          );
          return undefined;
        } catch (err) {
          if (isConflict(err)) return { requeue: true };
          throw err;
        }
      };
      const snap = cached<VirtualMachineSnapshot>(ctx, R.vmSnapshots, ns, restore.spec.virtualMachineSnapshotName);
      if (!snap) return undefined; // waits for it (KubeVirt does too)
      // A snapshot that failed is not ready: the restore says so and waits (restore.go doUpdateError).
      if (snap.status?.phase === 'Failed')
        return retryLater(`VirtualMachineSnapshot ${snap.metadata?.name ?? ''} not ready`);
      if (snap.status?.phase !== 'Succeeded' || snap.status.readyToUse !== true) return undefined;
      const content = cached<VirtualMachineSnapshotContent>(
        ctx,
        R.vmSnapshotContents,
        ns,
        snap.status.virtualMachineSnapshotContentName ?? '',
      );
      if (!content) return undefined;
      const target = restore.spec.target;
      if (target.kind !== R.vms.kind || (target.apiGroup ?? R.vms.group) !== R.vms.group) {
        return writeStatus(
          restoreFailedStatus(restore, `target kind ${target.kind} is not supported: only VirtualMachine`, now),
        );
      }
      const faults = faultsFor(restore, [], ctx.faults);
      const delay = faults.stepDelayMs ?? ctx.stepDelayMs;
      if (faults.restoreFailure) {
        const wait = ctx.steps.remaining(key, 'fail', delay);
        return wait > 0
          ? { requeueAfterMs: wait }
          : writeStatus(restoreFailedStatus(restore, faults.restoreFailure, now));
      }
      if (restore.status?.restores === undefined)
        return writeStatus(restoreInProgressStatus(restore, volumeRestoresFor(restore, content), now));

      // The restored claims first, as KubeVirt creates them before the target (restore.go
      // createRestorePVC): owned by the target only when it already exists; a new target's claims
      // have no owner, a dataVolumeTemplate's are handed to its DataVolume.
      let vm = cached<VirtualMachine>(ctx, R.vms, ns, target.name);
      const stamp = `${restore.metadata?.name ?? ''}-${restore.metadata?.uid ?? ''}`;
      const targetExisted = vm !== undefined && vm.metadata?.annotations?.[LAST_RESTORE_ANNOTATION] !== stamp;
      // An existing target (restore.go, in this order): it must be stopped (target.Ready; the restore
      // waits), it must be the snapshot's own VM (errorRestoreToExistingTarget), then it is locked:
      // status.restoreInProgress, one restore at a time, and (admission) no run-state change meanwhile
      // (UpdateRestoreInProgress).
      if (targetExisted && vm) {
        const vmi = cached<VirtualMachineInstance>(ctx, R.vmis, ns, target.name);
        if (runIntent(vm) !== 'halt' || vmi) return undefined; // a VM or VMI event brings us back
        if (vm.metadata?.name !== content.spec.source.virtualMachine?.metadata?.name)
          return retryLater('restore source and restore target are different but restore target already exists');
        const holder = vm.status?.restoreInProgress;
        if (holder !== undefined && holder !== restore.metadata?.name)
          return retryLater(`vm restore ${holder} in progress`);
        if (holder === undefined) return setRestoreInProgress(vm, restore.metadata?.name ?? '');
      }
      const sourceVm = { name: content.spec.source.virtualMachine?.metadata?.name ?? '', namespace: ns };
      const dataVolumes = new Map(volumeRestoresFor(restore, content).map((r) => [r.volumeName, r.dataVolumeName]));
      let allBound = true;
      for (const b of content.spec.volumeBackups ?? []) {
        const restoreSize = cached<VolumeSnapshotJson>(ctx, R.volumeSnapshots, ns, b.volumeSnapshotName ?? '')?.status
          ?.restoreSize;
        const dataVolume = dataVolumes.get(b.volumeName);
        const pvc = restoredPvc(restore, b, sourceVm, {
          ...(targetExisted && vm
            ? {
                owner: {
                  apiVersion: apiVersionOf(R.vms),
                  kind: R.vms.kind,
                  name: vm.metadata?.name ?? '',
                  uid: vm.metadata?.uid ?? '',
                },
              }
            : {}),
          ...(dataVolume !== undefined ? { dataVolume } : {}),
          ...(restoreSize !== undefined ? { restoreSize } : {}),
        });
        const name = pvc.metadata?.name ?? '';
        const live = cached<PvcJson>(ctx, R.pvcs, ns, name);
        if (!live) {
          allBound = false;
          try {
            await ctx.api.create(R.pvcs, ns, pvc);
          } catch (err) {
            if (!isAlreadyExists(err)) throw err;
          }
        } else if (!isBound(live)) allBound = false;
      }

      // The target VM.
      let desired: VirtualMachine;
      try {
        desired = targetVmFor(restore, content, targetExisted ? vm : undefined);
      } catch (err) {
        if (err instanceof JsonPatchError) return retryLater(`patches: ${err.message}`);
        throw err;
      }
      if (!vm) {
        try {
          vm = await ctx.api.create<VirtualMachine>(R.vms, ns, desired);
        } catch (err) {
          if (isAlreadyExists(err)) return { requeue: true };
          // A VM KubeVirt's admission refuses: the restore reports it and retries (doUpdateError).
          return retryLater(`creating VirtualMachine ${target.name}: ${errorMessage(err)}`);
        }
      } else if (targetExisted) {
        // Restore into the stopped VM: its spec is replaced as a whole (restore.go Reconcile: Update).
        try {
          vm = await ctx.api.update<VirtualMachine>(R.vms, ns, target.name, {
            ...vm,
            metadata: {
              ...vm.metadata,
              annotations: { ...vm.metadata?.annotations, [LAST_RESTORE_ANNOTATION]: stamp },
            },
            spec: desired.spec,
          });
        } catch (err) {
          if (isConflict(err)) return { requeue: true };
          return retryLater(`updating VirtualMachine ${target.name}: ${errorMessage(err)}`);
        }
      }
      if (!allBound) return undefined; // each claim's binding brings us back
      const wait = ctx.steps.remaining(key, 'complete', delay);
      if (wait > 0) return { requeueAfterMs: wait };
      // The lock goes before the restore completes (restore.go UpdateDoneRestore).
      if (vm.status?.restoreInProgress === restore.metadata?.name) return setRestoreInProgress(vm, null);
      return writeStatus(restoreCompleteStatus(restore, now));
    },
  };
}

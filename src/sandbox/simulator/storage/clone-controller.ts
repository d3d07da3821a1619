// The simulated KubeVirt clone controller: SnapshotInProgress (a temporary snapshot of a source VM;
// skipped when the source is a snapshot) → RestoreInProgress (a temporary restore into the target,
// with the clone's patches) → CreatingTargetVM → Succeeded, then the temporary objects are deleted.
import type {
  VirtualMachine,
  VirtualMachineClone,
  VirtualMachineRestore,
  VirtualMachineSnapshot,
  VirtualMachineSnapshotContent,
} from '../../../kubevirt/types.ts';
import type { ControllerDefinition, ReconcileResult } from '../../../runtime/controller.ts';
import { enqueueOwner } from '../../../runtime/controller.ts';
import { isAlreadyExists, isConflict } from '../../../runtime/errors.ts';
import { ownerRef } from './api.ts';
import {
  clonePatches,
  clonePhaseStatus,
  cloneFailedStatus,
  cloneRestoreName,
  cloneSnapshotName,
  cloneSucceededStatus,
  cloneWaitingConditions,
  isCloneFinished,
  randomSuffix,
  targetNameFor,
  type CloneStatus,
} from './clone.ts';
import { cached, isoNow, type StorageContext } from './context.ts';
import { faultsFor } from './faults.ts';
import { apiVersionOf, STORAGE_RESOURCES as R } from './resources.ts';
import { isRestoreFailed, restoreError } from './restore.ts';

const CLONE_API_VERSION = apiVersionOf(R.vmClones);

export function cloneController(ctx: StorageContext): ControllerDefinition {
  return {
    name: 'storage-simulator-vmclone',
    maxConcurrentReconciles: 4,
    watches: [
      { resource: R.vmClones },
      { resource: R.vmSnapshots, map: enqueueOwner(R.vmClones.kind, R.vmClones.group) },
      { resource: R.vmRestores, map: enqueueOwner(R.vmClones.kind, R.vmClones.group) },
    ],
    reconcile: async (req, rctx): Promise<ReconcileResult | undefined> => {
      const ns = req.namespace ?? '';
      const key = `vmclone/${ns}/${req.name}`;
      const clone = cached<VirtualMachineClone>(ctx, R.vmClones, ns, req.name);
      if (!clone || isCloneFinished(clone) || clone.metadata?.deletionTimestamp) {
        ctx.steps.forget(key);
        return undefined;
      }
      const now = isoNow(ctx);
      const writeStatus = async (status: CloneStatus): Promise<ReconcileResult | undefined> => {
        try {
          await ctx.api.patch(
            R.vmClones,
            ns,
            req.name,
            { status },
            { status: true, resourceVersion: clone.metadata?.resourceVersion ?? '' },
          );
          return undefined;
        } catch (err) {
          if (isConflict(err)) return { requeue: true };
          throw err;
        }
      };
      const source = clone.spec.source;
      const fromVm = source.kind === R.vms.kind && (source.apiGroup ?? R.vms.group) === R.vms.group;
      const fromSnapshot =
        source.kind === R.vmSnapshots.kind && (source.apiGroup ?? R.vmSnapshots.group) === R.vmSnapshots.group;
      if (!fromVm && !fromSnapshot)
        return writeStatus(cloneFailedStatus(clone, `source kind ${source.kind} is not supported`, now));
      if (clone.spec.target && clone.spec.target.kind !== R.vms.kind)
        return writeStatus(cloneFailedStatus(clone, `target kind ${clone.spec.target.kind} is not supported`, now));

      const sourceSnapshot = fromSnapshot
        ? cached<VirtualMachineSnapshot>(ctx, R.vmSnapshots, ns, source.name)
        : undefined;
      const sourceVmName = fromVm ? source.name : sourceSnapshot?.spec.source.name;
      const sourceVm = sourceVmName ? cached<VirtualMachine>(ctx, R.vms, ns, sourceVmName) : undefined;
      const faults = faultsFor(clone, [sourceVm, sourceSnapshot], ctx.faults);
      const delay = faults.stepDelayMs ?? ctx.stepDelayMs;
      const step = (name: string): number => ctx.steps.remaining(key, name, delay);
      const phase = clone.status?.phase ?? '';

      if (faults.cloneFailure) {
        const wait = step('fail');
        return wait > 0 ? { requeueAfterMs: wait } : writeStatus(cloneFailedStatus(clone, faults.cloneFailure, now));
      }

      // 1. The snapshot: the source itself, or a temporary one of the source VM.
      const snapshotName = fromVm ? cloneSnapshotName(clone) : source.name;
      const snapshot = cached<VirtualMachineSnapshot>(ctx, R.vmSnapshots, ns, snapshotName);
      if (phase === '') {
        if (fromVm) {
          if (!sourceVm) return undefined; // waits for its source, as KubeVirt does
          if (!snapshot) {
            try {
              await ctx.api.create(R.vmSnapshots, ns, {
                apiVersion: apiVersionOf(R.vmSnapshots),
                kind: R.vmSnapshots.kind,
                metadata: {
                  name: snapshotName,
                  namespace: ns,
                  ownerReferences: [ownerRef(CLONE_API_VERSION, R.vmClones.kind, clone)],
                },
                spec: { source: { apiGroup: R.vms.group, kind: R.vms.kind, name: source.name } },
              });
            } catch (err) {
              if (!isAlreadyExists(err)) throw err;
            }
          }
          return writeStatus(clonePhaseStatus(clone, 'SnapshotInProgress', { snapshotName }, now));
        }
        if (!sourceSnapshot) return undefined;
      }
      if (!snapshot) {
        // Just created (the cache has not seen it yet): its add event brings us back.
        if (fromVm && phase === 'SnapshotInProgress') return { requeueAfterMs: 200 };
        return writeStatus(cloneFailedStatus(clone, `VirtualMachineSnapshot ${snapshotName} does not exist`, now));
      }
      // A failed snapshot is only "not ready" to the clone controller: the clone waits (clone.go).
      if (snapshot.status?.phase !== 'Succeeded' || snapshot.status.readyToUse !== true) return undefined;
      const content = cached<VirtualMachineSnapshotContent>(
        ctx,
        R.vmSnapshotContents,
        ns,
        snapshot.status.virtualMachineSnapshotContentName ?? '',
      );
      const snapshottedVm = content?.spec.source.virtualMachine;
      if (!content || !snapshottedVm) return undefined;
      // A VM with backend storage (a persistent TPM or EFI) cannot be cloned (clone.go verifySnapshotContent).
      const domain = snapshottedVm.spec?.template.spec?.domain;
      if (domain?.devices.tpm?.persistent === true || domain?.firmware?.bootloader?.efi?.persistent === true) {
        await ctx.events.warning(
          clone,
          'SnapshotContentInvalid',
          'Clone of source with backendstorage is not supported',
        );
        return writeStatus(cloneFailedStatus(clone, 'Clone of source with backendstorage is not supported', now));
      }

      // 2. The restore into the target.
      const restoreName = cloneRestoreName(clone);
      const restore = cached<VirtualMachineRestore>(ctx, R.vmRestores, ns, restoreName);
      if (phase === '' || phase === 'SnapshotInProgress') {
        const wait = step('restore');
        if (wait > 0) return { requeueAfterMs: wait };
        const targetName =
          clone.status?.targetName ?? targetNameFor(clone, clone.spec.source.name, () => randomSuffix());
        return writeStatus(clonePhaseStatus(clone, 'RestoreInProgress', { snapshotName, targetName }, now));
      }
      const targetName = clone.status?.targetName ?? '';
      if (phase === 'RestoreInProgress') {
        if (!restore) {
          const asVm = {
            metadata: snapshottedVm.metadata,
            spec: snapshottedVm.spec ?? { template: {} },
          } as VirtualMachine;
          const patches = clonePatches(clone, asVm);
          try {
            await ctx.api.create(R.vmRestores, ns, {
              apiVersion: apiVersionOf(R.vmRestores),
              kind: R.vmRestores.kind,
              metadata: {
                name: restoreName,
                namespace: ns,
                ownerReferences: [ownerRef(CLONE_API_VERSION, R.vmClones.kind, clone)],
              },
              spec: {
                target: { apiGroup: R.vms.group, kind: R.vms.kind, name: targetName },
                virtualMachineSnapshotName: snapshotName,
                patches,
              },
            });
            rctx.log.debug('clone restore created', { restore: restoreName, target: targetName });
          } catch (err) {
            if (!isAlreadyExists(err)) throw err;
          }
          return clone.status?.restoreName === restoreName
            ? undefined
            : writeStatus(clonePhaseStatus(clone, 'RestoreInProgress', { restoreName }, now));
        }
        if (isRestoreFailed(restore)) {
          const why = restore.status?.conditions?.find((c) => c.type === 'Failure')?.message ?? 'restore failed';
          return writeStatus(cloneFailedStatus(clone, why, now));
        }
        // A restore error does not fail the clone: the restore retries and the clone waits, its Ready
        // condition carrying the reason (kubevirt pkg/storage/clone/clone.go syncTargetVM).
        const error = restoreError(restore);
        if (error !== undefined && clone.status?.conditions?.find((c) => c.type === 'Ready')?.reason !== error) {
          return writeStatus({ ...clone.status, conditions: cloneWaitingConditions(clone, error, now) });
        }
        if (restore.status?.complete !== true) return undefined;
        return writeStatus(clonePhaseStatus(clone, 'CreatingTargetVM', { restoreName }, now));
      }
      // 3. CreatingTargetVM: the restore created it; then clean up.
      if (!cached<VirtualMachine>(ctx, R.vms, ns, targetName)) return { requeueAfterMs: 100 }; // the cache catches up
      const wait = step('succeed');
      if (wait > 0) return { requeueAfterMs: wait };
      const result = await writeStatus(cloneSucceededStatus(clone, now));
      if (result) return result;
      await ctx.api.delete(R.vmRestores, ns, restoreName);
      if (fromVm) await ctx.api.delete(R.vmSnapshots, ns, snapshotName);
      return undefined;
    },
  };
}

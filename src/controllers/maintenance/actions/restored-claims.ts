// The claims KubeVirt restores for a clone. They carry KubeVirt's restore labels, not the plan's,
// and a new clone VM owns none of them (kubevirt pkg/storage/snapshot/restore.go createRestorePVC:
// they are created before the VM), so nothing would ever delete them: every maintenance would leak
// full-size copies. The plan labels them as its own, so that an undo or the release removes them.
// They name only their restore, tmp-restore-<clone uid>: the plan keeps its clones' UIDs in status
// (status.cloneUIDs), since a clone deleted by an undo while its restore runs leaves claims behind
// that appear after the clone is gone.
import { LABEL_APPLIANCE } from '../../../api/v1alpha1/index.ts';
import type { VirtualMachineClone } from '../../../kubevirt/types.ts';
import { KUBEVIRT } from '../../../kubevirt/types.ts';
import type { KubeObject } from '../../../runtime/object.ts';
import type { TypedRef } from '../../../runtime/resources.ts';
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { LABEL_PLAN } from '../names.ts';
import { done, wait, type StepOutcome } from '../outcome.ts';
import { PVCS, VM_CLONES } from '../resources.ts';

/** KubeVirt's annotation on a restored claim: the VirtualMachineRestore that made it. */
const RESTORE_NAME_ANNOTATION = 'restore.kubevirt.io/name';
const VM_RESTORES: TypedRef<KubeObject> = KUBEVIRT.restores;

/** The name of the restore a VirtualMachineClone runs (kubevirt pkg/storage/clone: tmp-restore-<clone uid>). */
export function cloneRestoreName(uid: string): string {
  return `tmp-restore-${uid}`;
}

/** The UIDs of the plan's clones: those recorded in status and those in the cache. */
export function planCloneUIDs(facts: Pick<StepFacts, 'status'>, clones: readonly VirtualMachineClone[]): string[] {
  const seen = clones.map((c) => c.metadata?.uid).filter((u): u is string => u !== undefined && u !== '');
  return [...new Set([...(facts.status.cloneUIDs ?? []), ...seen])].sort();
}

/** The UIDs to record in status when the cache shows a clone that status does not have yet. */
export function cloneUIDsToRecord(facts: Pick<StepFacts, 'status'>, io: ClusterIO): string[] | undefined {
  const all = planCloneUIDs(facts, io.children(VM_CLONES));
  return all.length > (facts.status.cloneUIDs ?? []).length ? all : undefined;
}

/** Labels with the plan the claims of `claims` restored for the plan's clones; how many it labelled. */
async function claimAmong(
  facts: Pick<StepFacts, 'labels' | 'status'>,
  io: ClusterIO,
  claims: readonly KubeObject[],
): Promise<number> {
  const restores = new Set(planCloneUIDs(facts, io.children(VM_CLONES)).map(cloneRestoreName));
  let labelled = 0;
  for (const pvc of claims) {
    const restore = pvc.metadata?.annotations?.[RESTORE_NAME_ANNOTATION];
    if (restore === undefined || !restores.has(restore) || pvc.metadata?.labels?.[LABEL_PLAN] !== undefined) continue;
    await io.patch(PVCS, pvc.metadata?.name ?? '', {
      metadata: {
        labels: { [LABEL_PLAN]: facts.labels[LABEL_PLAN], [LABEL_APPLIANCE]: facts.labels[LABEL_APPLIANCE] },
      },
    });
    labelled++;
  }
  return labelled;
}

/** Labels the cached claims restored for the plan's clones with the plan. */
export async function claimRestoredVolumes(facts: Pick<StepFacts, 'labels' | 'status'>, io: ClusterIO): Promise<void> {
  await claimAmong(facts, io, io.inNamespace(PVCS));
}

/**
 * Whether KubeVirt may still restore claims for the plan's clones: done once none of their restores
 * exists and a fresh list of the namespace's claims (not the cache, which may lag behind the last
 * claim a restore made) has none left unlabelled. Asked once every object of the plan is gone.
 */
export async function restoredClaimsSettled(
  facts: Pick<StepFacts, 'labels' | 'status'>,
  io: ClusterIO,
): Promise<StepOutcome> {
  for (const uid of planCloneUIDs(facts, io.children(VM_CLONES))) {
    if ((await io.read(VM_RESTORES, cloneRestoreName(uid))) !== undefined)
      return wait(`KubeVirt's restore ${cloneRestoreName(uid)} is still being removed`);
  }
  const labelled = await claimAmong(facts, io, await io.list(PVCS));
  return labelled === 0 ? done() : wait(`removing ${String(labelled)} claim(s) KubeVirt restored for the clones`);
}

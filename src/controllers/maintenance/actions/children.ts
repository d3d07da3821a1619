// Everything a plan created, by kind, in deletion order (the clone VMs before their volumes).
import type { KubeObject } from '../../../runtime/object.ts';
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { claimRestoredVolumes, cloneUIDsToRecord, restoredClaimsSettled } from './restored-claims.ts';
import { done, recordThenContinue, wait, type StepOutcome } from '../outcome.ts';
import {
  DATA_VOLUMES,
  JOBS,
  NETWORK_POLICIES,
  PVCS,
  SERVICES,
  VMS,
  VM_CLONES,
  VM_SNAPSHOTS,
  VOLUME_SNAPSHOTS,
} from '../resources.ts';

const CHILD_KINDS = [
  VM_CLONES,
  VMS,
  JOBS,
  SERVICES,
  NETWORK_POLICIES,
  VOLUME_SNAPSHOTS,
  DATA_VOLUMES,
  PVCS,
  VM_SNAPSHOTS,
];

/** Deletes every object the plan created (but those `keep` keeps); done when none is left. */
export async function removeChildren(
  facts: Pick<StepFacts, 'labels' | 'status'>,
  io: ClusterIO,
  keep: (obj: KubeObject) => boolean = () => false,
): Promise<StepOutcome> {
  // Before any clone goes: its UID finds the claims its restore makes afterwards.
  const uids = cloneUIDsToRecord(facts, io);
  if (uids !== undefined) return recordThenContinue("recording the clones' UIDs", { cloneUIDs: uids });
  // The claims KubeVirt restored for a clone still in progress become the plan's first.
  await claimRestoredVolumes(facts, io);
  let left = 0;
  for (const kind of CHILD_KINDS) {
    for (const child of io.children<KubeObject>(kind)) {
      if (keep(child)) continue;
      left++;
      if (child.metadata?.deletionTimestamp === undefined) await io.remove(kind, child.metadata?.name ?? '');
    }
  }
  if (left > 0) return wait(`removing the plan's objects (${String(left)} left)`);
  const settled = await restoredClaimsSettled(facts, io);
  return settled.kind === 'done' ? done('every object of the plan is gone') : settled;
}

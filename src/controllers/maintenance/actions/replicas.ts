// The replicas of the data volumes: PVCs restored from the VirtualMachineSnapshot the clone was made
// from (the state the clone starts with), never attached to a running VM. Sync rounds bring them
// up to date; the cut-over puts them in place of the clone's scratch data volumes.
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { done, failed, type StepOutcome } from '../outcome.ts';
import { PVCS, VM_SNAPSHOTS, VM_SNAPSHOT_CONTENTS } from '../resources.ts';
import { restoredClaim } from './claims.ts';
import type { DataVolumeRef } from './data-volumes.ts';

export async function ensureReplicas(
  facts: StepFacts,
  io: ClusterIO,
  refs: readonly DataVolumeRef[],
): Promise<StepOutcome> {
  for (const ref of refs) {
    const name = facts.names.replica(ref.member.name, ref.volume);
    if (io.get(PVCS, name) !== undefined) continue;
    const snapshot = io.get(VM_SNAPSHOTS, facts.names.snapshot(ref.member.name));
    const content = io.get(VM_SNAPSHOT_CONTENTS, snapshot?.status?.virtualMachineSnapshotContentName ?? '');
    const backup = content?.spec.volumeBackups?.find((b) => b.volumeName === ref.volume);
    if (backup?.volumeSnapshotName === undefined) {
      return failed(
        'DataVolumeNotSnapshotted',
        `no volume snapshot of ${ref.member.name}/${ref.volume} in the member's VirtualMachineSnapshot`,
      );
    }
    await io.create(PVCS, restoredClaim(facts, name, io.get(PVCS, ref.claimName), backup.volumeSnapshotName));
  }
  return done();
}

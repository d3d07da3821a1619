// The replicas of the data volumes: PVCs restored from the VirtualMachineSnapshot the clone was made
// from (the state the clone starts with), never attached to a running VM. Sync rounds bring them
// up to date; the cut-over puts them in place of the clone's scratch data volumes.
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { parseQuantity } from '../../../runtime/quantity.ts';
import { SNAPSHOT_STORAGE } from '../../../runtime/kinds.ts';
import { done, failed, wait, type StepOutcome } from '../outcome.ts';
import { PVCS, VM_SNAPSHOTS, VM_SNAPSHOT_CONTENTS } from '../resources.ts';
import { ANNOTATION_SNAPSHOT_CLASS, restoredClaim } from './claims.ts';
import type { DataVolumeRef } from './data-volumes.ts';

export async function ensureReplicas(
  facts: StepFacts,
  io: ClusterIO,
  refs: readonly DataVolumeRef[],
): Promise<StepOutcome> {
  let created = 0;
  for (const ref of refs) {
    const name = facts.names.replica(ref.member.name, ref.volume);
    if (io.get(PVCS, name) !== undefined) continue;
    created++;
    const snapshot = io.get(VM_SNAPSHOTS, facts.names.snapshot(ref.member.name));
    const content = io.get(VM_SNAPSHOT_CONTENTS, snapshot?.status?.virtualMachineSnapshotContentName ?? '');
    const backup = content?.spec.volumeBackups?.find((b) => b.volumeName === ref.volume);
    if (backup?.volumeSnapshotName === undefined) {
      return failed(
        'DataVolumeNotSnapshotted',
        `no volume snapshot of ${ref.member.name}/${ref.volume} in the member's VirtualMachineSnapshot`,
      );
    }
    // KubeVirt's own VolumeSnapshot of the volume is not the plan's (the caches do not hold it).
    const kubevirtSnapshot = await io.read(SNAPSHOT_STORAGE.volumeSnapshots, backup.volumeSnapshotName);
    await io.create(
      PVCS,
      restoredClaim(
        facts,
        name,
        io.get(PVCS, ref.claimName),
        backup.volumeSnapshotName,
        kubevirtSnapshot?.status?.restoreSize,
        kubevirtSnapshot?.spec?.volumeSnapshotClassName === undefined
          ? undefined
          : { [ANNOTATION_SNAPSHOT_CLASS]: kubevirtSnapshot.spec.volumeSnapshotClassName },
      ),
    );
  }
  // The rounds read the replicas (their snapshot class) from the cache: they wait until it has them.
  return created === 0 ? done() : wait(`creating ${String(created)} replica(s) of the data volumes`);
}

/**
 * The replicas as big as their originals: a volume expanded since the replica was made (by its
 * user, or CDI) has more bytes than the replica holds, and the copy would run out of room. A
 * replica is expanded (its StorageClass must allow it) and the round waits for the new capacity.
 */
export async function growReplicas(
  facts: StepFacts,
  io: ClusterIO,
  refs: readonly DataVolumeRef[],
): Promise<StepOutcome> {
  for (const ref of refs) {
    const original = io.get(PVCS, ref.claimName)?.status?.capacity?.storage;
    const name = facts.names.replica(ref.member.name, ref.volume);
    const replica = io.get(PVCS, name);
    if (original === undefined || replica === undefined) continue;
    const want = parseQuantity(original, 'capacity');
    const requested = parseQuantity(replica.spec?.resources?.requests?.storage ?? '0', 'storage');
    if (requested < want) {
      await io.patch(PVCS, name, { spec: { resources: { requests: { storage: original } } } });
      return wait(`expanding replica ${name} to ${original}, as its original was expanded`);
    }
    const capacity = parseQuantity(replica.status?.capacity?.storage ?? '0', 'capacity');
    if (capacity < want) return wait(`replica ${name} is being expanded to ${original}`);
  }
  return done();
}

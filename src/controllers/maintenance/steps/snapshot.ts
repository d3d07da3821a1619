// Snapshotting: a VirtualMachineSnapshot of every member, taken together. These snapshots are the
// base of the clone, of the data replicas and the rollback point, so the step fails safe: a quiesce
// timeout or a data volume left out of the snapshot fails the plan before anything is cloned.
import type { VirtualMachineSnapshot } from '../../../kubevirt/types.ts';
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { done, failed, firstPending, wait, type StepOutcome } from '../outcome.ts';
import { VM_SNAPSHOTS } from '../resources.ts';

export async function snapshotStep(facts: StepFacts, io: ClusterIO): Promise<StepOutcome> {
  const outcomes: StepOutcome[] = [];
  let ready = 0;
  for (const member of facts.members) {
    const original = io.vmOf(member.name, facts.fromSlot);
    if (original?.metadata?.name === undefined) {
      return failed('OriginalNotFound', `member ${member.name}: no VM in slot ${facts.fromSlot}`);
    }
    const name = facts.names.snapshot(member.name);
    const snapshot = io.get(VM_SNAPSHOTS, name);
    if (snapshot === undefined) {
      await io.create(VM_SNAPSHOTS, {
        apiVersion: 'snapshot.kubevirt.io/v1beta1',
        kind: 'VirtualMachineSnapshot',
        metadata: {
          name,
          namespace: facts.namespace,
          labels: { ...facts.labels, 'vapp.dev/member': member.name },
          ownerReferences: [facts.owner],
        },
        spec: { source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: original.metadata.name } },
      } satisfies VirtualMachineSnapshot);
      outcomes.push(wait(`snapshot ${name} created`));
      continue;
    }
    const outcome = judgeSnapshot(snapshot, member.dataVolumes);
    if (outcome.kind === 'done') ready++;
    outcomes.push(outcome);
  }
  const overall = firstPending(outcomes);
  const progress = `${String(ready)}/${String(facts.members.length)} members`;
  return overall.kind === 'wait' ? wait(overall.message, { progress }) : overall;
}

/** Whether a snapshot is usable as the base of the maintenance. Pure. */
export function judgeSnapshot(snapshot: VirtualMachineSnapshot, dataVolumes: readonly string[]): StepOutcome {
  const name = snapshot.metadata?.name ?? '';
  const status = snapshot.status;
  if (status?.phase === 'Failed') {
    return failed('SnapshotFailed', `snapshot ${name} failed: ${status.error?.message ?? 'no reason given'}`);
  }
  if (status?.indications?.some((i) => i === 'QuiesceTimeout' || i === 'QuiesceFailed') === true) {
    return failed(
      'SnapshotQuiesceTimeout',
      `snapshot ${name}: the guest file systems could not be frozen in time, the data may be inconsistent`,
    );
  }
  if (status?.phase !== 'Succeeded' || status.readyToUse !== true)
    return wait(`snapshot ${name} is ${status?.phase ?? 'pending'}`);
  const included = status.snapshotVolumes?.includedVolumes ?? [];
  const missing = dataVolumes.filter((v) => !included.includes(v));
  if (missing.length > 0) {
    return failed(
      'DataVolumeNotSnapshotted',
      `snapshot ${name} does not include data volume(s) ${missing.join(', ')}: only PVC and DataVolume volumes can be snapshotted`,
    );
  }
  return done();
}

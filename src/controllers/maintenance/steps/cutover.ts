// CuttingOver, inside the window: stop the original, copy the final delta, put the replicas in place
// of the clone's scratch data volumes, start the clone, and move every Service to the new slot.
// Each sub-step is observable, or recorded in status.cutOver before the next one starts, so a
// restarted operator resumes exactly where it was and never cuts over twice.
import type { VirtualMachine } from '../../../kubevirt/types.ts';
import { claimOf } from '../../../kubevirt/vm.ts';
import { dataVolumes } from '../actions/data-volumes.ts';
import { removeIsolation, removePreviews } from '../actions/isolation.ts';
import { prepareFinalRound, runFinalRound } from '../actions/final-round.ts';
import { isRoundResult, removeRound, roundRecord, roundRecorded } from '../actions/sync-round.ts';
import { clonesRunningAt, downtimeBreakdown } from '../downtime.ts';
import { recordServingSlot, switchServices } from '../actions/traffic.ts';
import { startInOrder, stopAll } from '../actions/vm-power.ts';
import type { ClusterIO } from '../cluster-io.ts';
import { timedOut, type StepFacts } from '../facts.ts';
import { done, failed, recordThenContinue, wait, type StepOutcome } from '../outcome.ts';
import { VMS } from '../resources.ts';

export async function cutOverStep(facts: StepFacts, io: ClusterIO): Promise<StepOutcome> {
  const cut = facts.status.cutOver ?? {};
  // Millisecond timestamps: the downtime is measured from them.
  const now = facts.now.toISOString();
  if (cut.servicesSwitchedAt === undefined) {
    const refs = dataVolumes(facts, io);
    if (!Array.isArray(refs)) return refs;
    const finalRound = cut.finalRound ?? facts.status.syncRounds.length + 1;
    // 1. The clone stops first (it ran with scratch data); the final round's warm workers start on
    //    the originals' nodes and wait; then the original stops: the downtime starts, recorded
    //    before the original is asked to stop.
    if (cut.originalStoppedAt === undefined) {
      const clonesStopped = await stopAll(facts, io, facts.toSlot);
      if (clonesStopped.kind !== 'done') return clonesStopped;
      if (refs.length > 0) {
        if (cut.finalRound === undefined)
          return recordThenContinue('preparing the final round', { cutOver: { finalRound } });
        const prepared = await prepareFinalRound(facts, io, refs, finalRound);
        if (prepared.kind === 'failed') return prepared;
        if (prepared.kind !== 'done') {
          // The original still serves: a worker that never starts fails the plan before any downtime.
          return timedOut(facts)
            ? failed('FinalSyncNotReady', `the final round's workers did not start in time: ${prepared.message}`)
            : prepared;
        }
      }
      return recordThenContinue('stopping the original', { cutOver: { originalStoppedAt: now } });
    }
    if (cut.originalsDownAt === undefined) {
      const originalsStopped = await stopAll(facts, io, facts.fromSlot);
      if (originalsStopped.kind !== 'done') {
        return timedOut(facts) ? failed('OriginalDidNotStop', originalsStopped.message) : originalsStopped;
      }
      return recordThenContinue('the originals stopped', { cutOver: { originalsDownAt: now } });
    }

    // 2. The final delta, while nothing writes: the warm workers get their go.
    if (refs.length > 0 && !roundRecorded(facts, finalRound)) {
      const result = await runFinalRound(facts, io, refs, finalRound, cut.originalsDownAt);
      if (!isRoundResult(result)) return result;
      return recordThenContinue(`the final delta copied ${String(result.bytes)} bytes`, {
        syncRound: roundRecord(finalRound, result, facts.now),
        cutOver: { finalSnapshotAt: cut.originalsDownAt, finalDeltaAt: now },
      });
    }
    const finalDeltaAt = cut.finalDeltaAt ?? cut.originalsDownAt;

    // 3. The replicas replace the clone's scratch data volumes.
    for (const ref of refs) {
      const clone = io.vmOf(ref.member.name, facts.toSlot);
      if (clone === undefined) return failed('CloneNotFound', `member ${ref.member.name}: the clone VM is missing`);
      const replica = facts.names.replica(ref.member.name, ref.volume);
      if (claimOf(clone, ref.volume) === replica) continue;
      await io.patch(VMS, clone.metadata?.name ?? '', replicaPatch(clone, ref.volume, replica), { json: true });
    }

    // 4. The clone leaves its isolation and starts in start order.
    if (cut.cloneReadyAt === undefined) {
      await removeIsolation(facts, io);
      const started = await startInOrder(facts, io, facts.toSlot);
      if (started.kind !== 'done') {
        return timedOut(facts)
          ? failed(
              'CloneNotReady',
              `the clone did not become ready in time: ${started.kind === 'wait' ? started.message : ''}`,
            )
          : started;
      }
      return recordThenContinue('the clone is ready', { cutOver: { cloneReadyAt: now } });
    }

    // 5. Traffic moves: every Service; the downtime ends.
    await switchServices(facts, io, facts.toSlot);
    const downtime = downtimeBreakdown({
      originalStoppedAt: cut.originalStoppedAt,
      originalsDownAt: cut.originalsDownAt,
      finalDeltaAt,
      cloneRunningAt: clonesRunningAt(facts, io),
      cloneReadyAt: cut.cloneReadyAt,
      servicesSwitchedAt: now,
    });
    return recordThenContinue(`the Services select slot ${facts.toSlot}`, {
      cutOver: { servicesSwitchedAt: now, downtime },
      downtimeSeconds: Math.max(0, (facts.now.getTime() - Date.parse(cut.originalStoppedAt)) / 1000),
    });
  }
  // 6. The appliance's record of the serving slot; every round's objects (the last pre-copy
  //    round's snapshot, full-size restored claims, the final round's workers) and the preview
  //    Services go once the clone serves from the replicas: cleanup is off the downtime path.
  const recorded = await recordServingSlot(facts, io, facts.toSlot);
  const refs = dataVolumes(facts, io);
  if (Array.isArray(refs)) {
    for (const r of facts.status.syncRounds) await removeRound(facts, io, refs, r.round);
    if (cut.finalRound !== undefined) await removeRound(facts, io, refs, cut.finalRound);
  }
  await removePreviews(facts, io);
  return recorded
    ? done(`the Services select slot ${facts.toSlot}`)
    : wait('recording the new active slot on the appliance');
}

/**
 * The JSON patch that points the clone's volume at its replica. A volume from a dataVolumeTemplate
 * (the clone keeps it, renamed: kubevirt pkg/storage/snapshot/restore.go generateRestoredVMSpec)
 * loses its template in the same patch: KubeVirt refuses a VM with a template no volume refers to
 * (pkg/storage/admitters/data-volume-template.go ValidateDataVolumeTemplate).
 */
export function replicaPatch(vm: VirtualMachine, volume: string, replica: string): object[] {
  const volumes = vm.spec.template.spec?.volumes ?? [];
  const index = volumes.findIndex((v) => v.name === volume);
  const ops: object[] = [
    {
      op: 'replace',
      path: `/spec/template/spec/volumes/${String(index)}`,
      value: { name: volume, persistentVolumeClaim: { claimName: replica } },
    },
  ];
  const dataVolume = volumes[index]?.dataVolume?.name;
  const template = (vm.spec.dataVolumeTemplates ?? []).findIndex((t) => t.metadata?.name === dataVolume);
  const stillUsed = volumes.some((v, i) => i !== index && v.dataVolume?.name === dataVolume);
  if (dataVolume !== undefined && template >= 0 && !stillUsed) {
    ops.push({ op: 'remove', path: `/spec/dataVolumeTemplates/${String(template)}` });
  }
  return ops;
}

// RollingBack, the way back after the cut-over: the clone stops, every block it wrote after the
// cut-over is synced back into the original's data volumes (reverse delta from the replicas), the
// original starts in start order and the Services return to its slot. Then the clone is removed.
// No write is lost. If the rollback fails before the Services move back, the RestoreClone cleanup
// (steps/cleanup.ts) makes the clone serve again: until then it is the only copy with every write.
import { removeChildren } from '../actions/children.ts';
import { dataVolumes } from '../actions/data-volumes.ts';
import { isRoundResult, removeRound, syncRound } from '../actions/sync-round.ts';
import { recordServingSlot, switchServices } from '../actions/traffic.ts';
import { startInOrder, stopAll } from '../actions/vm-power.ts';
import type { ClusterIO } from '../cluster-io.ts';
import { timedOut, type StepFacts } from '../facts.ts';
import { done, failed, recordThenContinue, wait, type StepOutcome } from '../outcome.ts';

export async function rollbackStep(facts: StepFacts, io: ClusterIO): Promise<StepOutcome> {
  const rb = facts.status.rollback ?? {};
  if (rb.servicesSwitchedAt === undefined) {
    // The rollback's downtime starts when the clone is asked to stop.
    if (rb.cloneStoppedAt === undefined)
      return recordThenContinue('stopping the clone', { rollback: { cloneStoppedAt: facts.now.toISOString() } });
    const stopped = await stopAll(facts, io, facts.toSlot);
    if (stopped.kind !== 'done') return stopped;

    const refs = dataVolumes(facts, io);
    if (!Array.isArray(refs)) return refs;
    if (rb.bytes === undefined) {
      if (refs.length === 0) return recordThenContinue('no data volumes to sync back', { rollback: { bytes: 0 } });
      const result = await syncRound(facts, io, refs, 1, 'reverse');
      if (!isRoundResult(result)) return result;
      return recordThenContinue(`${String(result.bytes)} bytes synced back`, { rollback: { bytes: result.bytes } });
    }

    // An original that does not come back fails the rollback, and the clone serves again (RestoreClone).
    const started = await startInOrder(facts, io, facts.fromSlot);
    if (started.kind === 'wait' && timedOut(facts)) {
      return failed(
        'OriginalNotReady',
        `the original did not become ready within the step timeout: ${started.message}`,
      );
    }
    if (started.kind !== 'done') return started;
    await switchServices(facts, io, facts.fromSlot);
    const at = facts.now.toISOString();
    return recordThenContinue('the Services select the original again', {
      rollback: {
        servicesSwitchedAt: at,
        downtimeSeconds: Math.max(0, (facts.now.getTime() - Date.parse(rb.cloneStoppedAt)) / 1000),
      },
    });
  }
  const refs = dataVolumes(facts, io);
  if (Array.isArray(refs) && refs.length > 0) await removeRound(facts, io, refs, 1, 'reverse');
  if (!(await recordServingSlot(facts, io, facts.fromSlot))) return wait('recording the original as the active slot');
  const removed = await removeChildren(facts, io);
  if (removed.kind !== 'done') return removed;
  return done(`rolled back; ${String(rb.bytes ?? 0)} bytes written to the clone came back`);
}

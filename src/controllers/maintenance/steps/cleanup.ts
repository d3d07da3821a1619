// The cleanups: what the operator undoes before a failed or aborted plan may end (status.cleanup).
// RemoveClone and RestoreOriginal make the original serve again (a no-op when it never stopped)
// and remove everything the plan created, or keep the failed clone for inspection
// (failedClonePolicy Retain); the original's own objects are never touched beyond their run
// strategy, so it keeps all its data. RestoreClone follows a failed rollback: the clone, which
// holds every write, serves again and the original stays retained.
import type { CleanupAction } from '../../../api/v1alpha1/index.ts';
import { removeChildren } from '../actions/children.ts';
import { dataVolumes } from '../actions/data-volumes.ts';
import { ensureIsolation } from '../actions/isolation.ts';
import { removeRound } from '../actions/sync-round.ts';
import { recordServingSlot, switchServices } from '../actions/traffic.ts';
import { startInOrder, stopAll } from '../actions/vm-power.ts';
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { cleanupRetainsClone } from '../cleanups.ts';
import { releaseLock } from '../lock.ts';
import { done, wait, type StepOutcome } from '../outcome.ts';
import type { Cleanup } from '../phases.ts';

/** Services, active slot and VMs back to the original slot; done when it serves again. */
async function restoreOriginal(facts: StepFacts, io: ClusterIO): Promise<StepOutcome> {
  await switchServices(facts, io, facts.fromSlot);
  if (!(await recordServingSlot(facts, io, facts.fromSlot))) return wait('recording the original as the active slot');
  return startInOrder(facts, io, facts.fromSlot);
}

/**
 * The whole undo: the original serves, then the plan's objects go (and the appliance is free), or,
 * with failedClonePolicy Retain after a failure, they stay for inspection behind the clone's
 * NetworkPolicy, and the appliance stays locked until the plan is deleted.
 */
export async function undoMaintenance(facts: StepFacts, io: ClusterIO, cleanup?: Cleanup): Promise<StepOutcome> {
  const restored = await restoreOriginal(facts, io);
  if (restored.kind !== 'done') return restored;
  if (cleanup !== undefined && cleanupRetainsClone(facts.plan.spec.failedClonePolicy, cleanup)) {
    await ensureIsolation(facts, io);
    return done('the clone is kept for inspection');
  }
  const removed = await removeChildren(facts, io);
  if (removed.kind !== 'done') return removed;
  await releaseLock(io, facts.appliance, facts.plan.metadata.name ?? '');
  return removed;
}

/** After a failed rollback: the original stops again, the clone starts and the Services return to it. */
async function restoreClone(facts: StepFacts, io: ClusterIO): Promise<StepOutcome> {
  const stopped = await stopAll(facts, io, facts.fromSlot);
  if (stopped.kind !== 'done') return stopped;
  const refs = dataVolumes(facts, io);
  if (Array.isArray(refs) && refs.length > 0) await removeRound(facts, io, refs, 1, 'reverse');
  const started = await startInOrder(facts, io, facts.toSlot);
  if (started.kind !== 'done') return started;
  await switchServices(facts, io, facts.toSlot);
  return (await recordServingSlot(facts, io, facts.toSlot))
    ? done('the clone serves again')
    : wait('recording the clone as the active slot');
}

/** The runner of each cleanup action; the plan's status.cleanup says which one runs. */
export const CLEANUP_RUNNERS = {
  RemoveClone: undoMaintenance,
  RestoreOriginal: undoMaintenance,
  RestoreClone: restoreClone,
} satisfies Record<CleanupAction, (facts: StepFacts, io: ClusterIO, cleanup: Cleanup) => Promise<StepOutcome>>;

// The I/O of a plan's deletion (what it does is decided in deletion.ts): undo or release what the
// plan holds, free the appliance and remove the finalizer. The Event saying what was done is
// recorded by persist.
import { removeFinalizer } from '../../runtime/finalizers.ts';
import { deletionAction, deletionMessage, PLAN_FINALIZER, type DeletionAction } from './deletion.ts';
import { releaseLock } from './lock.ts';
import type { Observed } from './observe.ts';
import type { PassContext, PassResult } from './pass.ts';
import { undoMaintenance } from './steps/cleanup.ts';
import { releaseStep } from './steps/release.ts';

/**
 * One pass of a deletion: undefined while a cut-over or rollback finishes (the normal pass runs
 * on); `deleting` while objects are being deleted; `finalized` once the finalizer is removed.
 */
export async function finalizeDeletion(seen: Observed, ctx: PassContext): Promise<PassResult | undefined> {
  if (!seen.hasFinalizer) return { kind: 'finalized', message: '' };
  const { facts } = seen;
  const { io } = ctx;
  const action: DeletionAction = facts === undefined ? { kind: 'none' } : deletionAction(seen.state, seen.deletion);
  if (action.kind === 'finishStep') return undefined;
  if (facts !== undefined && io !== undefined && action.kind !== 'none') {
    const outcome =
      action.kind === 'removeClone'
        ? await undoMaintenance(facts, io)
        : await releaseStep(facts, io, { immediately: true });
    if (outcome.kind !== 'done') return { kind: 'deleting', outcome };
  }
  if (seen.appliance !== undefined && io !== undefined)
    await releaseLock(io, seen.appliance, seen.raw.metadata.name ?? '');
  await removeFinalizer(ctx.deps.client, seen.raw, PLAN_FINALIZER);
  return { kind: 'finalized', message: deletionMessage(action) };
}

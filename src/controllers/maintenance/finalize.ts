// The I/O of a plan's deletion (what it does is decided in deletion.ts): undo or release what the
// plan holds, free the appliance, record an Event, and remove the finalizer.
import type { MaintenancePlan, MaintenancePlanStatus, VirtualAppliance } from '../../api/v1alpha1/index.ts';
import type { ControllerDeps, ReconcileResult } from '../../runtime/controller.ts';
import { hasFinalizer, removeFinalizer } from '../../runtime/finalizers.ts';
import type { StepContext } from './context.ts';
import { deletionAction, deletionMessage, PLAN_FINALIZER, type DeletionAction } from './deletion.ts';
import { cloneRetained } from './failed-clone.ts';
import { releaseLock } from './lock.ts';
import type { PlanState } from './phases.ts';
import { undoMaintenance } from './steps/cleanup.ts';
import { releaseStep } from './steps/release.ts';

/** What the reconciler read of a plan being deleted. */
export interface DeletedPlan {
  /** The object as cached (the finalizer is removed with its resourceVersion). */
  readonly raw: MaintenancePlan;
  /** The same, parsed (defaults applied). */
  readonly plan: MaintenancePlan;
  readonly state: PlanState;
  readonly status: MaintenancePlanStatus;
  readonly appliance: VirtualAppliance | undefined;
  /** Undefined when the appliance is gone: then there is nothing left to undo. */
  readonly ctx: StepContext | undefined;
}

/**
 * One pass of a deletion. Undefined while a cut-over or rollback finishes (the normal pass runs
 * on); a requeue while objects are being deleted; {} once the finalizer is removed.
 */
export async function finalizeDeletion(
  deps: ControllerDeps,
  d: DeletedPlan,
  pollMs: number,
): Promise<ReconcileResult | undefined> {
  if (!hasFinalizer(d.raw, PLAN_FINALIZER)) return {};
  const cutOver = d.status.cutOver?.servicesSwitchedAt !== undefined;
  const action: DeletionAction =
    d.ctx === undefined
      ? { kind: 'none' }
      : deletionAction(d.state, {
          cutOver,
          released: d.status.steps.some((s) => s.name === 'Release' && s.state === 'Succeeded'),
          cloneRetained: cloneRetained(d.plan.spec.failedClonePolicy, d.state.phase, cutOver),
        });
  if (action.kind === 'finishStep') return undefined;
  if (d.ctx !== undefined && action.kind !== 'none') {
    const outcome =
      action.kind === 'removeClone' ? await undoMaintenance(d.ctx) : await releaseStep(d.ctx, { immediately: true });
    if (outcome.kind !== 'done') return { requeueAfterMs: pollMs };
  }
  if (d.appliance !== undefined) await releaseLock(deps.client, d.appliance, d.raw.metadata.name ?? '');
  await deps.events.normal(d.raw, 'Deleted', deletionMessage(action));
  await removeFinalizer(deps.client, d.raw, PLAN_FINALIZER);
  return {};
}

// What deleting a MaintenancePlan does (`kubectl delete`, or Argo CD pruning it). Pure.
//
// The plan carries a finalizer so that its deletion never strands the appliance: without it a plan
// deleted mid-run would leave the clone running, the original perhaps stopped, and the appliance
// locked (status.activePlan) by a plan that no longer exists. Deletion is an abort where an abort is
// safe, and lets the cut-over or rollback under way finish first, since stopping those halfway is
// the one unsafe place. After the cut-over, deleting the plan gives up its rollback: the retained
// original is released at once (its PVCs stay, as on every release).
import type { PlanState } from './phases.ts';
import { isTerminal, rowOf } from './pipeline.ts';

/** The finalizer on every MaintenancePlan. */
export const PLAN_FINALIZER = 'vapp.dev/maintenance-cleanup';

export type DeletionAction =
  /** A cut-over or rollback is under way: the plan runs on until it ends, then is deleted. */
  | { readonly kind: 'finishStep' }
  /** The clone goes; the original, which never stopped (or is restarted first), keeps serving. */
  | { readonly kind: 'removeClone' }
  /** The clone serves: the stopped original is released now instead of after retainOriginalFor. */
  | { readonly kind: 'releaseOriginal' }
  /** Nothing left of the plan: free the appliance and let the plan go. */
  | { readonly kind: 'none' };

/** What the reconciler knows of the cut-over, the rollback and the release. */
export interface DeletionFacts {
  /** The Services moved to the clone (status.cutOver.servicesSwitchedAt). */
  readonly cutOver: boolean;
  /** The Release step succeeded. */
  readonly released: boolean;
  /** A failed clone kept for inspection (failedClonePolicy Retain): deleting the plan removes it. */
  readonly cloneRetained: boolean;
}

/** What a plan being deleted still has to do before its finalizer is removed. */
export function deletionAction(state: PlanState, facts: DeletionFacts): DeletionAction {
  if (state.cleanup !== undefined) {
    // A failed rollback's cleanup restarts the clone, the only copy with every write: never remove it.
    return state.cleanup.action === 'RestoreClone' ? { kind: 'finishStep' } : { kind: 'removeClone' };
  }
  if (!isTerminal(state.phase)) return { kind: rowOf(state.phase).onDelete };
  if (facts.cloneRetained) return { kind: 'removeClone' };
  // Succeeded or Failed after the cut-over (a failed rollback included): the clone serves.
  return state.phase !== 'RolledBack' && facts.cutOver && !facts.released
    ? { kind: 'releaseOriginal' }
    : { kind: 'none' };
}

/** The Event message once the plan's deletion has done its work. */
export function deletionMessage(action: DeletionAction): string {
  switch (action.kind) {
    case 'removeClone':
      return 'the plan was deleted before its cut-over: the clone was removed and the original serves';
    case 'releaseOriginal':
      return 'the plan was deleted after its cut-over: the updated clone serves and the retained original was released (its PVCs are kept)';
    case 'finishStep':
    case 'none':
      return 'the plan was deleted: the appliance is free for the next plan';
  }
}

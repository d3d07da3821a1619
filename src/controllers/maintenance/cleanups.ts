// The cleanups (status.cleanup) in words, and spec.failedClonePolicy: whether a failed maintenance
// keeps its clone for inspection. Pure.
// A retained clone occupies the appliance's other slot, so the appliance stays locked (a next
// plan's clone would take the same slot) until the plan is deleted, which removes the clone.
import type { FailedClonePolicy, Phase } from '../../api/v1alpha1/index.ts';
import type { Cleanup } from './phases.ts';

/** Whether this cleanup keeps the clone: a failure, not an abort, with failedClonePolicy Retain. */
export function cleanupRetainsClone(policy: FailedClonePolicy, cleanup: Cleanup): boolean {
  return policy === 'Retain' && cleanup.then === 'Failed' && cleanup.action !== 'RestoreClone';
}

/** Whether an ended plan keeps a failed clone: Failed before the cut-over with failedClonePolicy Retain. */
export function cloneRetained(policy: FailedClonePolicy, phase: Phase, cutOver: boolean): boolean {
  return policy === 'Retain' && phase === 'Failed' && !cutOver;
}

/** The Cleanup step's message once the undo is done. */
export function cleanupResult(cleanup: Cleanup, policy: FailedClonePolicy): string {
  if (cleanup.action === 'RestoreClone') return 'the clone serves again; the original is retained';
  if (cleanupRetainsClone(policy, cleanup)) {
    return 'the original serves; the clone is kept for inspection (failedClonePolicy Retain) until the plan is deleted';
  }
  return 'the original serves; the clone is removed';
}

/** What a cleanup does, for the Warning Event when it starts and the Reconciling message meanwhile. */
export function cleanupUnderWay(cleanup: Cleanup, policy: FailedClonePolicy): string {
  if (cleanupRetainsClone(policy, cleanup)) return 'restoring the original and keeping the clone for inspection';
  switch (cleanup.action) {
    case 'RemoveClone':
      return 'removing the clone';
    case 'RestoreOriginal':
      return 'restoring the original';
    case 'RestoreClone':
      return 'restarting the clone';
  }
}

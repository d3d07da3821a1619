// spec.failedClonePolicy: whether a failed maintenance keeps its clone for inspection. Pure.
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

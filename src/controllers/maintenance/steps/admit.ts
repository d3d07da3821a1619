// Pending: one plan per appliance at a time. The plan waits until it holds the appliance's lock
// (status.activePlan), behind any other plan that holds it: the release of the lock is an event of
// the appliance, which wakes the next plan in line (wakeups.ts), so the wait polls nothing.
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { acquireLock, lockState } from '../lock.ts';
import { done, wait, type StepOutcome } from '../outcome.ts';

export async function admitStep(facts: StepFacts, io: ClusterIO): Promise<StepOutcome> {
  const name = facts.plan.metadata.name ?? '';
  const lock = lockState(facts.appliance, name);
  if (lock.held) return done();
  if (lock.holder !== undefined) {
    return wait(`plan ${lock.holder} is working on appliance ${facts.plan.spec.appliance}; this plan waits for it`, {
      reason: 'WaitingForPlan',
      watched: true,
    });
  }
  await acquireLock(io, facts.appliance, name);
  return wait('taking the appliance for this plan', { requeueAfterMs: 200 });
}

// WaitingForCutOverSlot: a plan made by a MaintenanceRollout is prepared (cloned, updated, verified,
// pre-copied) and waits here until its rollout gives it a cut-over slot by setting
// spec.cutOverHold to false. The plan's watch wakes it when its spec changes; it looks again every
// minute anyway.
import type { StepFacts } from '../facts.ts';
import { done, wait, type StepOutcome } from '../outcome.ts';

export function cutOverSlotStep(facts: StepFacts): Promise<StepOutcome> {
  if (!facts.plan.spec.cutOverHold) return Promise.resolve(done());
  return Promise.resolve(
    wait('waiting for a cut-over slot: spec.cutOverHold is true until the rollout gives one', {
      requeueAfterMs: 60_000,
    }),
  );
}

// Verifying: the updated clone must be ready and pass the plan's check against its preview Services.
import { hasCheck, runCheck } from '../actions/checks.ts';
import { notReady } from '../actions/vm-power.ts';
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { done, failed, type StepOutcome } from '../outcome.ts';

export async function verifyStep(facts: StepFacts, io: ClusterIO): Promise<StepOutcome> {
  const down = notReady(facts, io, facts.toSlot);
  if (down.length > 0)
    return failed('CloneNotReady', `clone VM(s) of ${down.map((m) => m.name).join(', ')} are not ready`);
  if (!hasCheck(facts)) return done('every clone VM is ready');
  return runCheck(facts, io, 'verify', 1, facts.toSlot, true);
}

// WaitingForWindow: the cut-over waits until the maintenance window (spec.window) is open; nothing
// else does. The plan looks again when the window opens (at most a minute later, for a clock change).
import type { StepFacts } from '../facts.ts';
import { done, wait, type StepOutcome } from '../outcome.ts';

export function windowStep(facts: StepFacts): Promise<StepOutcome> {
  const w = facts.window;
  if (w.open) return Promise.resolve(done());
  const untilOpen =
    w.opensAt === undefined ? 60_000 : Math.min(60_000, Math.max(100, w.opensAt.getTime() - facts.now.getTime()));
  return Promise.resolve(wait('waiting for the maintenance window', { requeueAfterMs: untilOpen }));
}

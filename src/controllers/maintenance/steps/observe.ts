// Observing: for rollback.observeSeconds after the cut-over, the appliance must stay ready and keep
// passing the plan's check (now against the Services themselves), run every observe interval.
import { hasCheck, runCheck } from '../actions/checks.ts';
import { notReady } from '../actions/vm-power.ts';
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { done, failed, wait, type StepOutcome } from '../outcome.ts';

export async function observeStep(facts: StepFacts, io: ClusterIO): Promise<StepOutcome> {
  const { observeMs, observeIntervalMs } = facts.settings;
  const seconds = facts.plan.spec.rollback.observeSeconds;
  const elapsed = facts.now.getTime() - facts.stepStartedAt.getTime();
  const down = notReady(facts, io, facts.toSlot);
  if (down.length > 0) {
    return failed(
      'ApplianceNotReady',
      `after the cut-over, VM(s) of ${down.map((m) => m.name).join(', ')} are not ready`,
    );
  }
  if (hasCheck(facts)) {
    const attempt = Math.floor(Math.min(elapsed, observeMs) / observeIntervalMs) + 1;
    const check = await runCheck(facts, io, 'observe', attempt, facts.toSlot, false);
    if (check.kind === 'failed') return check;
    if (check.kind === 'wait') return wait(check.message, { progress: `check ${String(attempt)}` });
  }
  if (elapsed >= observeMs) return done(`observed for ${String(seconds)} s`);
  const next = Math.min(observeMs - elapsed, observeIntervalMs - (elapsed % observeIntervalMs));
  return wait(`observing the updated appliance for ${String(seconds)} s`, {
    progress: `${String(Math.floor(elapsed / 1000))}/${String(seconds)} s`,
    requeueAfterMs: Math.max(100, next),
  });
}

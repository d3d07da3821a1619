// Step 9: for rollback.observeSeconds after the cut-over, the appliance must stay ready and keep
// passing the plan's check (now against the Services themselves), run every observe interval.
import type { StepContext } from '../context.ts';
import { done, failed, wait, type StepOutcome } from '../outcome.ts';
import { hasCheck, runCheck } from './checks.ts';
import { isReady } from './vm-power.ts';

export async function observeStep(ctx: StepContext): Promise<StepOutcome> {
  const observeMs = ctx.plan.spec.rollback.observeSeconds * 1000;
  const elapsed = ctx.now.getTime() - ctx.stepStartedAt.getTime();
  const notReady = ctx.members.filter((m) => !isReady(ctx.vmOf(m.name, ctx.toSlot)));
  if (notReady.length > 0)
    return failed(
      'ApplianceNotReady',
      `after the cut-over, VM(s) of ${notReady.map((m) => m.name).join(', ')} are not ready`,
    );
  if (hasCheck(ctx)) {
    const attempt = Math.floor(Math.min(elapsed, observeMs) / ctx.options.observeIntervalMs) + 1;
    const check = await runCheck(ctx, 'observe', attempt, ctx.toSlot, false);
    if (check.kind === 'failed') return check;
    if (check.kind === 'wait') return wait(check.message, { progress: `check ${String(attempt)}` });
  }
  if (elapsed >= observeMs) return done(`observed for ${String(ctx.plan.spec.rollback.observeSeconds)} s`);
  const next = Math.min(observeMs - elapsed, ctx.options.observeIntervalMs - (elapsed % ctx.options.observeIntervalMs));
  return wait(`observing the updated appliance for ${String(ctx.plan.spec.rollback.observeSeconds)} s`, {
    progress: `${String(Math.floor(elapsed / 1000))}/${String(ctx.plan.spec.rollback.observeSeconds)} s`,
    requeueAfterMs: Math.max(100, next),
  });
}

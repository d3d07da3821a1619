// Step 6: the updated clone must be ready and pass the plan's check against its preview Services.
import type { StepContext } from '../context.ts';
import { done, failed, type StepOutcome } from '../outcome.ts';
import { hasCheck, runCheck } from './checks.ts';
import { isReady } from './vm-power.ts';

export async function verifyStep(ctx: StepContext): Promise<StepOutcome> {
  const notReady = ctx.members.filter((m) => !isReady(ctx.vmOf(m.name, ctx.toSlot)));
  if (notReady.length > 0)
    return failed('CloneNotReady', `clone VM(s) of ${notReady.map((m) => m.name).join(', ')} are not ready`);
  if (!hasCheck(ctx)) return done('every clone VM is ready');
  return runCheck(ctx, 'verify', 1, ctx.toSlot, true);
}

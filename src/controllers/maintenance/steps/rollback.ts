// Step 9's way back: the clone stops, every block it wrote after the cut-over is synced back into
// the original's data volumes (reverse delta from the replicas), the original starts in start
// order and the Services return to its slot. Then the clone is removed. No write is lost.
// If the rollback fails before the Services move back, restoreClone makes the clone serve again:
// until then it is the only copy with every write.
import type { StepContext } from '../context.ts';
import { done, failed, wait, type StepOutcome } from '../outcome.ts';
import { removeClone } from './cleanup.ts';
import { dataVolumes, isRoundResult, removeRound, syncRound } from './sync.ts';
import { setActiveSlot, switchServices } from './traffic.ts';
import { startInOrder, stopAll, timedOut } from './vm-power.ts';

export async function rollbackStep(ctx: StepContext): Promise<StepOutcome> {
  const rb = ctx.effects.rollback;
  if (rb.servicesSwitchedAt === undefined) {
    rb.cloneStoppedAt ??= ctx.now.toISOString();
    const stopped = await stopAll(ctx, ctx.toSlot);
    if (stopped.kind !== 'done') return stopped;

    const refs = dataVolumes(ctx);
    if (!Array.isArray(refs)) return refs;
    if (rb.bytes === undefined && refs.length > 0) {
      const result = await syncRound(ctx, refs, 1, 'reverse');
      if (!isRoundResult(result)) return result;
      rb.bytes = result.bytes;
    }
    rb.bytes ??= 0;

    // An original that does not come back fails the rollback, and the clone serves again (restoreClone).
    const started = await startInOrder(ctx, ctx.fromSlot);
    if (started.kind === 'wait' && timedOut(ctx))
      return failed(
        'OriginalNotReady',
        `the original did not become ready within the step timeout: ${started.message}`,
      );
    if (started.kind !== 'done') return started;
    await switchServices(ctx, ctx.fromSlot);
    rb.servicesSwitchedAt = ctx.now.toISOString();
    rb.downtimeSeconds = Math.max(0, (ctx.now.getTime() - Date.parse(rb.cloneStoppedAt)) / 1000);
    if (refs.length > 0) await removeRound(ctx, refs, 1, 'reverse');
  }
  await setActiveSlot(ctx, ctx.fromSlot);
  if (ctx.appliance.status?.activeSlot !== ctx.fromSlot) return wait('recording the original as the active slot');
  const removed = await removeClone(ctx);
  if (removed.kind !== 'done') return removed;
  return done(`rolled back; ${String(rb.bytes ?? 0)} bytes written to the clone came back`);
}

/** After a failed rollback: the original stops again, the clone starts and the Services return to it. */
export async function restoreClone(ctx: StepContext): Promise<StepOutcome> {
  const stopped = await stopAll(ctx, ctx.fromSlot);
  if (stopped.kind !== 'done') return stopped;
  const refs = dataVolumes(ctx);
  if (Array.isArray(refs) && refs.length > 0) await removeRound(ctx, refs, 1, 'reverse');
  const started = await startInOrder(ctx, ctx.toSlot);
  if (started.kind !== 'done') return started;
  await switchServices(ctx, ctx.toSlot);
  await setActiveSlot(ctx, ctx.toSlot);
  return ctx.appliance.status?.activeSlot === ctx.toSlot
    ? done('the clone serves again')
    : wait('recording the clone as the active slot');
}

// Undoing a maintenance that did not reach its end: the original serves again (Services back,
// VMs running) and everything the plan created goes. The original's own objects are never touched
// beyond their run strategy, so it keeps all its data.
import type { KubeObject } from '../../../runtime/object.ts';
import type { StepContext } from '../context.ts';
import { done, wait, type StepOutcome } from '../outcome.ts';
import {
  JOBS,
  NETWORK_POLICIES,
  PVCS,
  SERVICES,
  VMS,
  VM_CLONES,
  VM_SNAPSHOTS,
  VOLUME_SNAPSHOTS,
} from '../resources.ts';
import { ensureIsolation } from './clone.ts';
import { setActiveSlot, switchServices } from './traffic.ts';
import { startInOrder } from './vm-power.ts';

/** Services, active slot and VMs back to the original slot; done when it serves again. */
export async function restoreOriginal(ctx: StepContext): Promise<StepOutcome> {
  await switchServices(ctx, ctx.fromSlot);
  await setActiveSlot(ctx, ctx.fromSlot);
  return startInOrder(ctx, ctx.fromSlot);
}

/** Kinds of the plan's children, in deletion order (the clone VMs before their volumes). */
const CHILD_KINDS = [VM_CLONES, VMS, JOBS, SERVICES, NETWORK_POLICIES, VOLUME_SNAPSHOTS, PVCS, VM_SNAPSHOTS];

/** Deletes every object the plan created; done when none is left. */
export async function removeClone(
  ctx: StepContext,
  keep: (obj: KubeObject) => boolean = () => false,
): Promise<StepOutcome> {
  let left = 0;
  for (const kind of CHILD_KINDS) {
    for (const child of ctx.children(kind)) {
      if (keep(child)) continue;
      left++;
      if (child.metadata?.deletionTimestamp === undefined) await ctx.remove(kind, child.metadata?.name ?? '');
    }
  }
  return left === 0
    ? done('every object of the plan is gone')
    : wait(`removing the plan's objects (${String(left)} left)`);
}

/**
 * The whole undo: the original serves (a no-op when it never stopped), then the plan's objects go,
 * or, with `retainClone`, stay for inspection behind the clone's NetworkPolicy.
 */
export async function undoMaintenance(ctx: StepContext, { retainClone = false } = {}): Promise<StepOutcome> {
  const restored = await restoreOriginal(ctx);
  if (restored.kind !== 'done') return restored;
  if (!retainClone) return removeClone(ctx);
  await ensureIsolation(ctx);
  return done('the clone is kept for inspection');
}

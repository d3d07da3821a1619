// Starting and stopping VMs through spec.runStrategy (spec.running is deprecated), in start order.
import type { Member, Slot } from '../../../api/v1alpha1/index.ts';
import type { VirtualMachine } from '../../../kubevirt/types.ts';
import type { StepContext } from '../context.ts';
import { done, wait, type StepOutcome } from '../outcome.ts';
import { VMS } from '../resources.ts';

export const isReady = (vm: VirtualMachine | undefined): boolean => vm?.status?.ready === true;
export const isStopped = (vm: VirtualMachine | undefined): boolean =>
  vm !== undefined &&
  vm.spec.runStrategy === 'Halted' &&
  (vm.status?.printableStatus === 'Stopped' || vm.status?.created !== true);

export async function setRunStrategy(
  ctx: StepContext,
  vm: VirtualMachine,
  strategy: 'Always' | 'Halted',
): Promise<void> {
  if (vm.spec.runStrategy === strategy && vm.spec.running === undefined) return;
  await ctx.patch(VMS, vm.metadata?.name ?? '', { spec: { runStrategy: strategy, running: null } });
}

/**
 * Starts the slot's VMs group by group in ascending startOrder: a group starts once every VM of
 * the groups before it is ready. Done when all are ready.
 */
export async function startInOrder(
  ctx: StepContext,
  slot: Slot,
  members: readonly Member[] = ctx.members,
): Promise<StepOutcome> {
  const orders = [...new Set(members.map((m) => m.startOrder))].sort((a, b) => a - b);
  let ready = 0;
  for (const order of orders) {
    const group = members.filter((m) => m.startOrder === order);
    let groupReady = true;
    for (const member of group) {
      const vm = ctx.vmOf(member.name, slot);
      if (vm === undefined) return wait(`member ${member.name}: no VM in slot ${slot} yet`);
      await setRunStrategy(ctx, vm, 'Always');
      if (isReady(vm)) ready++;
      else groupReady = false;
    }
    if (!groupReady)
      return wait(`starting the ${slot} VMs of start order ${String(order)}`, {
        progress: `${String(ready)}/${String(members.length)} VMs ready`,
      });
  }
  return done();
}

/** Stops every VM of the slot; done when all are stopped. */
export async function stopAll(ctx: StepContext, slot: Slot): Promise<StepOutcome> {
  let stopped = 0;
  for (const member of ctx.members) {
    const vm = ctx.vmOf(member.name, slot);
    if (vm === undefined) {
      stopped++;
      continue;
    }
    await setRunStrategy(ctx, vm, 'Halted');
    if (isStopped(vm)) stopped++;
  }
  return stopped === ctx.members.length
    ? done()
    : wait(`stopping the ${slot} VMs`, { progress: `${String(stopped)}/${String(ctx.members.length)} VMs stopped` });
}

/** Whether the step has run longer than the step timeout. */
export function timedOut(ctx: StepContext): boolean {
  return ctx.now.getTime() - ctx.stepStartedAt.getTime() > ctx.options.stepTimeoutMs;
}

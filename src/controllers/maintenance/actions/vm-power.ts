// Starting and stopping a slot's VMs through spec.runStrategy (spec.running is deprecated), in
// start order.
import type { Member, Slot } from '../../../api/v1alpha1/index.ts';
import { isStopped, serves } from '../../../kubevirt/vm.ts';
import type { VirtualMachine } from '../../../kubevirt/types.ts';
import type { ClusterIO } from '../cluster-io.ts';
import type { StepFacts } from '../facts.ts';
import { done, wait, type StepOutcome } from '../outcome.ts';
import { VMS } from '../resources.ts';

/** Whether a member reads a level from the guest agent: its connection then says the guest is up. */
export function readsGuestAgent(member: Member): boolean {
  return member.components.some((c) => c.level.guestOS !== undefined);
}

/**
 * Why the VM's run state cannot change now: KubeVirt refuses it while a snapshot of the VM is in
 * progress (kubevirt pkg/storage/admitters/vm-storage-status.go), a user's backup for instance.
 */
export function runStateLocked(vm: VirtualMachine): string | undefined {
  const snapshot = vm.status?.snapshotInProgress;
  return snapshot
    ? `VM ${vm.metadata?.name ?? ''}: snapshot ${snapshot} is in progress, its run state cannot change until it completes`
    : undefined;
}

export async function setRunStrategy(io: ClusterIO, vm: VirtualMachine, strategy: 'Always' | 'Halted'): Promise<void> {
  if (vm.spec.runStrategy === strategy && vm.spec.running === undefined) return;
  await io.patch(VMS, vm.metadata?.name ?? '', { spec: { runStrategy: strategy, running: null } });
}

/**
 * Starts the slot's VMs group by group in ascending startOrder: a group starts once every VM of
 * the groups before it is ready. Done when all are ready.
 */
export async function startInOrder(
  facts: Pick<StepFacts, 'members'>,
  io: ClusterIO,
  slot: Slot,
  members: readonly Member[] = facts.members,
): Promise<StepOutcome> {
  const orders = [...new Set(members.map((m) => m.startOrder))].sort((a, b) => a - b);
  let ready = 0;
  for (const order of orders) {
    const group = members.filter((m) => m.startOrder === order);
    let groupReady = true;
    for (const member of group) {
      const vm = io.vmOf(member.name, slot);
      if (vm === undefined) return wait(`member ${member.name}: no VM in slot ${slot} yet`);
      if (vm.spec.runStrategy !== 'Always' || vm.spec.running !== undefined) {
        const locked = runStateLocked(vm);
        if (locked !== undefined) return wait(locked);
      }
      await setRunStrategy(io, vm, 'Always');
      if (serves(vm, readsGuestAgent(member))) ready++;
      else groupReady = false;
    }
    if (!groupReady) {
      return wait(`starting the ${slot} VMs of start order ${String(order)}`, {
        progress: `${String(ready)}/${String(members.length)} VMs ready`,
      });
    }
  }
  return done();
}

/** Stops every VM of the slot; done when all are stopped. */
export async function stopAll(facts: Pick<StepFacts, 'members'>, io: ClusterIO, slot: Slot): Promise<StepOutcome> {
  let stopped = 0;
  for (const member of facts.members) {
    const vm = io.vmOf(member.name, slot);
    if (vm === undefined) {
      stopped++;
      continue;
    }
    if (vm.spec.runStrategy !== 'Halted' || vm.spec.running !== undefined) {
      const locked = runStateLocked(vm);
      if (locked !== undefined) return wait(locked);
    }
    await setRunStrategy(io, vm, 'Halted');
    if (isStopped(vm)) stopped++;
  }
  return stopped === facts.members.length
    ? done()
    : wait(`stopping the ${slot} VMs`, { progress: `${String(stopped)}/${String(facts.members.length)} VMs stopped` });
}

/** The members whose VM in the slot does not serve (see serves()). */
export function notReady(facts: Pick<StepFacts, 'members'>, io: ClusterIO, slot: Slot): Member[] {
  return facts.members.filter((m) => !serves(io.vmOf(m.name, slot), readsGuestAgent(m)));
}

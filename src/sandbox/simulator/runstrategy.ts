// What the VM asks for, from spec.runStrategy (or the deprecated spec.running).
import type { VirtualMachine } from '../../kubevirt/types.ts';

/** `run`: keep a VMI running; `halt`: no VMI; `manual`: leave whatever exists alone. */
export type RunIntent = 'run' | 'halt' | 'manual';

export function runIntent(vm: VirtualMachine): RunIntent {
  const strategy = vm.spec.runStrategy ?? (vm.spec.running === true ? 'Always' : 'Halted');
  switch (strategy) {
    case 'Always':
    case 'RerunOnFailure':
    case 'Once':
      return 'run';
    case 'Manual':
      return 'manual';
    default:
      return 'halt';
  }
}

/** Whether a VMI that ended (Succeeded/Failed) is replaced by a new one, as KubeVirt does. */
export function restartsFinishedVmi(vm: VirtualMachine, phase: string | undefined): boolean {
  const strategy = vm.spec.runStrategy ?? (vm.spec.running === true ? 'Always' : 'Halted');
  if (strategy === 'Always') return true;
  return strategy === 'RerunOnFailure' && phase === 'Failed';
}

// Readers of a VirtualMachine's state and volumes, shared by both controllers. Pure.
import type { VirtualMachine } from './types.ts';

/** KubeVirt's VM status.ready: its VMI is Ready. */
export const isReady = (vm: VirtualMachine | undefined): boolean => vm?.status?.ready === true;

/** Asked to halt, and no VMI left running (printableStatus Stopped, or never created). */
export const isStopped = (vm: VirtualMachine | undefined): boolean =>
  vm !== undefined &&
  vm.spec.runStrategy === 'Halted' &&
  (vm.status?.printableStatus === 'Stopped' || vm.status?.created !== true);

/** The claim behind a volume of the VM: its PVC, or the DataVolume (whose PVC has the same name). */
export function claimOf(vm: VirtualMachine, volume: string): string | undefined {
  const v = vm.spec.template.spec?.volumes?.find((x) => x.name === volume);
  return v?.persistentVolumeClaim?.claimName ?? v?.dataVolume?.name;
}

/** Every claim the VM's volumes use. */
export function claimsOf(vm: VirtualMachine): string[] {
  return (vm.spec.template.spec?.volumes ?? [])
    .map((v) => claimOf(vm, v.name))
    .filter((c): c is string => c !== undefined);
}

// Readers of a VirtualMachine's state and volumes, shared by both controllers. Pure.
import type { VirtualMachine } from './types.ts';

/** KubeVirt's VM status.ready: its VMI is Ready, i.e. its launcher Pod is (see serves()). */
export const isReady = (vm: VirtualMachine | undefined): boolean => vm?.status?.ready === true;

/** Whether the VM's template has a readinessProbe: then "ready" means the guest answers it. */
export const hasReadinessProbe = (vm: VirtualMachine | undefined): boolean =>
  vm?.spec.template.spec?.readinessProbe !== undefined;

/** Whether the guest agent of the running VM is connected (the VM mirrors its VMI's condition). */
export const isAgentConnected = (vm: VirtualMachine | undefined): boolean =>
  vm?.status?.conditions?.some((c) => c.type === 'AgentConnected' && c.status === 'True') === true;

/**
 * Whether the guest of a VM serves, as far as KubeVirt can tell. Without a readinessProbe, KubeVirt's
 * "ready" means only that QEMU started (the launcher Pod has no probe: kubevirt
 * pkg/virt-controller/services/template.go), long before the guest boots; with a probe it means the
 * guest answers it. Where there is no probe but the guest has an agent (`withAgent`: the member reads
 * a level from it), the agent's connection is the sign that the guest is up.
 */
export function serves(vm: VirtualMachine | undefined, withAgent: boolean): boolean {
  if (!isReady(vm)) return false;
  return hasReadinessProbe(vm) || !withAgent || isAgentConnected(vm);
}

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

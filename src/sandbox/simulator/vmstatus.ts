// VM status as virt-controller reports it, computed from the VM, its VMI and the launcher Pod.
import type {
  VirtualMachine,
  VirtualMachineCondition,
  VirtualMachineInstance,
  VirtualMachineStatus,
  Volume,
} from '../../kubevirt/types.ts';
import { findCondition, setCondition } from './conditions.ts';
import type { PodJson } from './json.ts';
import { runIntent } from './runstrategy.ts';
import { currentVmiStatus, vmiPhase } from './vmistatus.ts';

export type VmStatus = NonNullable<VirtualMachineStatus>;

/** The fields of VM status the simulator owns (others, written by someone else, are left alone). */
export const VM_STATUS_FIELDS = [
  'printableStatus',
  'ready',
  'created',
  'conditions',
  'volumeSnapshotStatuses',
  'observedGeneration',
  'desiredGeneration',
] as const;

/** The VM's status, or an empty one (absent until the first status write). */
export function currentVmStatus(vm: VirtualMachine): VmStatus {
  return vm.status ?? {};
}

/** The status the VM should show now. `vmi` and `pod` are the live ones of this VM, if any. */
/** What KubeVirt knows of a claim: its StorageClass and the VolumeSnapshotClass it would use. */
export type ClaimSnapshotting = (
  claim: string,
) => { readonly storageClass?: string; readonly snapshotClass?: string } | undefined;

export function vmStatusFor(
  vm: VirtualMachine,
  vmi: VirtualMachineInstance | undefined,
  pod: PodJson | undefined,
  now: string,
  claims: ClaimSnapshotting = () => ({ storageClass: 'unknown', snapshotClass: 'unknown' }),
): VmStatus {
  const old = currentVmStatus(vm);
  const vmiConditions = vmi ? currentVmiStatus(vmi).conditions : undefined;
  const vmiReady = findCondition(vmiConditions, 'Ready');
  const ready = vmi !== undefined && vmi.metadata?.deletionTimestamp === undefined && vmiReady?.status === 'True';

  let conditions: VirtualMachineCondition[] = old.conditions ?? [];
  conditions = setCondition(
    conditions,
    vmi === undefined
      ? { type: 'Ready', status: 'False', reason: 'VMINotExists', message: 'VMI does not exist' }
      : { type: 'Ready', status: ready ? 'True' : 'False', ...(ready ? {} : reasonOf(vmiReady)) },
    now,
  );
  // Conditions that only mirror the VMI's go away with it, as in KubeVirt.
  const agent = findCondition(vmiConditions, 'AgentConnected');
  conditions = agent
    ? setCondition(conditions, { type: 'AgentConnected', status: agent.status }, now)
    : conditions.filter((c) => c.type !== 'AgentConnected');

  return {
    printableStatus: printableStatus(vm, vmi, pod),
    ready,
    created: vmi !== undefined,
    conditions,
    volumeSnapshotStatuses: volumeSnapshotStatuses(vm.spec.template.spec?.volumes ?? [], claims),
    ...(vm.metadata?.generation !== undefined
      ? { observedGeneration: vm.metadata.generation, desiredGeneration: vm.metadata.generation }
      : {}),
  };
}

/** The subset of `status` that {@link vmStatusFor} computes, for comparing before a write. */
export function ownedVmStatus(status: VmStatus): Partial<VmStatus> {
  const out: Record<string, unknown> = {};
  for (const f of VM_STATUS_FIELDS) if (status[f] !== undefined) out[f] = status[f];
  return out;
}

function printableStatus(
  vm: VirtualMachine,
  vmi: VirtualMachineInstance | undefined,
  pod: PodJson | undefined,
): string {
  if (vm.metadata?.deletionTimestamp) return 'Terminating';
  if (vmi === undefined) return 'Stopped';
  const phase = vmiPhase(vmi);
  if (vmi.metadata?.deletionTimestamp || runIntent(vm) === 'halt' || pod?.metadata?.deletionTimestamp) {
    return phase === 'Succeeded' || phase === 'Failed' ? 'Stopped' : 'Stopping';
  }
  switch (phase) {
    case 'Running':
      return 'Running';
    case 'Succeeded':
    case 'Failed':
      return 'Stopped';
    default:
      return 'Starting';
  }
}

function reasonOf(c: { reason?: string; message?: string } | undefined): { reason?: string; message?: string } {
  return { ...(c?.reason ? { reason: c.reason } : {}), ...(c?.message ? { message: c.message } : {}) };
}

/**
 * Which volumes a VirtualMachineSnapshot can include: PVCs and DataVolumes whose StorageClass has a
 * VolumeSnapshotClass (kubevirt pkg/storage/snapshot/snapshot.go getVolumeSnapshotStatus).
 */
export function volumeSnapshotStatuses(
  volumes: readonly Volume[],
  claims: ClaimSnapshotting,
): { name: string; enabled: boolean; reason?: string }[] {
  return volumes.map((v) => {
    const claim = v.persistentVolumeClaim?.claimName ?? v.dataVolume?.name;
    if (claim === undefined) {
      return {
        name: v.name,
        enabled: false,
        reason: `Snapshot is not supported for this volumeSource type [${v.name}]`,
      };
    }
    const known = claims(claim);
    if (known === undefined) return { name: v.name, enabled: false, reason: 'PVC not found' };
    if (known.snapshotClass === undefined) {
      return {
        name: v.name,
        enabled: false,
        reason: `No VolumeSnapshotClass: Volume snapshots are not configured for this StorageClass [${known.storageClass ?? ''}] [${v.name}]`,
      };
    }
    return { name: v.name, enabled: true };
  });
}

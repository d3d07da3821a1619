// VMI status as virt-controller and virt-handler move it: Pending → Scheduling → Scheduled →
// Running, then Ready and AgentConnected once the guest is up; Failed when its Pod is lost.
import { createHash } from 'node:crypto';
import type {
  GuestOSInfo,
  VirtualMachineInstance,
  VirtualMachineInstanceCondition,
  VirtualMachineInstanceStatus,
} from '../../kubevirt/types.ts';
import { findCondition, setCondition } from './conditions.ts';
import { LAUNCHER_IMAGE, RUNTIME_USER } from './constants.ts';
import type { PodJson } from './json.ts';
import { revisionNameOf } from './revision.ts';

export type VmiStatus = NonNullable<VirtualMachineInstanceStatus>;

/** The VMI's status, or an empty one (it is absent until the first status write). */
export function currentVmiStatus(vmi: VirtualMachineInstance): VmiStatus {
  return vmi.status ?? {};
}

export function vmiPhase(vmi: VirtualMachineInstance | undefined): string {
  return vmi?.status?.phase ?? '';
}

/** When the VMI entered `phase`, in ms since the epoch (from phaseTransitionTimestamps). */
export function phaseSince(vmi: VirtualMachineInstance, phase: string): number | undefined {
  const t = currentVmiStatus(vmi).phaseTransitionTimestamps?.find((p) => p.phase === phase)?.phaseTransitionTimestamp;
  return t ? Date.parse(t) : undefined;
}

/** Just created: waiting for virt-controller to make its Pod; the revision of the VM it started from. */
export function pendingStatus(vmi: VirtualMachineInstance, now: string): VmiStatus {
  const revision = revisionNameOf(vmi);
  return {
    ...withPhase(vmi, 'Pending', now, notReady('GuestNotRunning', 'Guest VM is not reported as running', now, vmi)),
    ...(revision !== undefined ? { virtualMachineRevisionName: revision } : {}),
  };
}

/** The launcher Pod exists and waits for a node. */
export function schedulingStatus(vmi: VirtualMachineInstance, pod: PodJson, now: string): VmiStatus {
  return {
    ...withPhase(vmi, 'Scheduling', now, notReady('GuestNotRunning', 'Guest VM is not reported as running', now, vmi)),
    activePods: { [pod.metadata?.uid ?? '']: '' },
  };
}

/** The launcher Pod runs on a node; the domain is starting there. */
export function scheduledStatus(vmi: VirtualMachineInstance, pod: PodJson, now: string): VmiStatus {
  const node = pod.spec?.nodeName ?? '';
  return {
    ...withPhase(vmi, 'Scheduled', now, notReady('GuestNotRunning', 'Guest VM is not reported as running', now, vmi)),
    nodeName: node,
    activePods: { [pod.metadata?.uid ?? '']: node },
    launcherContainerImageVersion: LAUNCHER_IMAGE,
    qosClass: 'Burstable',
  };
}

/** The domain runs; the guest has the Pod's IP (masquerade binding) but is not ready yet. */
export function runningStatus(vmi: VirtualMachineInstance, pod: PodJson, now: string): VmiStatus {
  const ip = pod.status?.podIP ?? '';
  const iface = vmi.spec.domain.devices.interfaces?.[0];
  return {
    ...withPhase(
      vmi,
      'Running',
      now,
      notReady('ContainersNotReady', 'containers with unready status: [compute]', now, vmi),
    ),
    interfaces: [
      {
        name: iface?.name ?? vmi.spec.networks?.[0]?.name ?? 'default',
        interfaceName: 'eth0',
        ipAddress: ip,
        ipAddresses: [ip],
        mac: iface?.macAddress ?? macFor(pod.metadata?.uid ?? ''),
        infoSource: 'domain, guest-agent',
        linkState: 'up',
        queueCount: 1,
      },
    ],
  };
}

/** The launcher Pod is Ready: so is the VMI (kubevirt pkg/virt-controller/watch/vmi/lifecycle.go syncReadyConditionFromPod). */
export function readyStatus(vmi: VirtualMachineInstance, now: string): VmiStatus {
  const status = currentVmiStatus(vmi);
  return { ...status, conditions: setCondition(status.conditions, { type: 'Ready', status: 'True' }, now) };
}

/** The guest agent connected (the guest has booted): AgentConnected and the guest OS info it reports. */
export function agentStatus(vmi: VirtualMachineInstance, guestOs: GuestOSInfo, now: string): VmiStatus {
  const status = currentVmiStatus(vmi);
  return {
    ...status,
    conditions: setCondition(status.conditions, { type: 'AgentConnected', status: 'True' }, now),
    guestOSInfo: guestOs,
  };
}

export function isAgentConnected(vmi: VirtualMachineInstance): boolean {
  return findCondition(currentVmiStatus(vmi).conditions, 'AgentConnected')?.status === 'True';
}

/** The launcher Pod vanished under a running VMI: the VMI failed (KubeVirt then restarts it). */
export function failedStatus(vmi: VirtualMachineInstance, now: string): VmiStatus {
  const conditions = setCondition(
    currentVmiStatus(vmi).conditions,
    { type: 'Ready', status: 'False', reason: 'PodNotExists', message: 'virt-launcher pod has been deleted' },
    now,
  ).filter((c) => c.type !== 'AgentConnected');
  return { ...withPhase(vmi, 'Failed', now, conditions), reason: 'PodDeleted' };
}

export function isVmiReady(vmi: VirtualMachineInstance | undefined): boolean {
  return vmi !== undefined && findCondition(currentVmiStatus(vmi).conditions, 'Ready')?.status === 'True';
}

function notReady(
  reason: string,
  message: string,
  now: string,
  vmi: VirtualMachineInstance,
): VirtualMachineInstanceCondition[] {
  return setCondition(currentVmiStatus(vmi).conditions, { type: 'Ready', status: 'False', reason, message }, now);
}

function withPhase(
  vmi: VirtualMachineInstance,
  phase: string,
  now: string,
  conditions: VirtualMachineInstanceCondition[],
): VmiStatus {
  const status = currentVmiStatus(vmi);
  const stamps = status.phaseTransitionTimestamps ?? [];
  return {
    ...status,
    phase,
    conditions,
    phaseTransitionTimestamps: stamps.some((s) => s.phase === phase)
      ? stamps
      : [...stamps, { phase, phaseTransitionTimestamp: now }],
    guestOSInfo: status.guestOSInfo,
    runtimeUser: RUNTIME_USER,
  };
}

/** A stable, locally administered MAC per Pod (a new Pod, like a clone's, gets a new MAC). */
export function macFor(seed: string): string {
  const bytes = createHash('sha256').update(seed).digest().subarray(0, 5);
  return ['02', ...[...bytes].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

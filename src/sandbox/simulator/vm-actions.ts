// The simulator's decisions for one VM, as a pure function of what the cache shows: which writes
// virt-controller, virt-handler, the scheduler and the kubelet would make next. One VM key covers
// the VM, its VMI (same name) and its launcher Pods. Each pass takes the next step only; the
// write's watch event brings the next pass, and every write carries the resourceVersion it was
// computed from, so a pass on a stale cache fails with a conflict instead of going backwards.
import { isDeepStrictEqual } from 'node:util';
import type { GuestOSInfo, VirtualMachine, VirtualMachineInstance } from '../../kubevirt/types.ts';
import { SANDBOX_NODE } from './constants.ts';
import type { VmFaults } from './faults.ts';
import { guestOsInfoFor } from './guestos.ts';
import type { PodJson, PodStatusJson } from './json.ts';
import { isPodReady, isPodRunning, podReadyStatus, podRunningStatus } from './kubelet.ts';
import { NODE_IP } from './node.ts';
import { launcherPodFor } from './pod.ts';
import { restartsFinishedVmi, runIntent } from './runstrategy.ts';
import { startRevisionFor, type ControllerRevisionJson } from './revision.ts';
import { isOwnedBy, vmiForVm } from './vmi.ts';
import { SIM_ANNOTATIONS } from './annotations.ts';
import {
  agentStatus,
  failedStatus,
  isAgentConnected,
  isVmiReady,
  pendingStatus,
  phaseSince,
  readyStatus,
  runningStatus,
  scheduledStatus,
  schedulingStatus,
  vmiPhase,
  type VmiStatus,
} from './vmistatus.ts';
import { currentVmStatus, ownedVmStatus, vmStatusFor, type ClaimSnapshotting, type VmStatus } from './vmstatus.ts';

/** What the cache holds for one VM key. */
export interface VmState {
  readonly vm?: VirtualMachine;
  readonly vmi?: VirtualMachineInstance;
  /** Launcher Pods whose controller is a VMI of this name, of any incarnation. */
  readonly pods: readonly PodJson[];
  /** A launcher Pod was created for the current VMI and the cache does not show it yet. */
  readonly podCreationPending?: boolean;
}

export interface PlanContext {
  /** Milliseconds since the epoch. */
  readonly now: number;
  /** Running → Ready delay when the VM does not set its own. */
  readonly readyDelayMs: number;
  readonly faults: VmFaults;
  /** The IP for a Pod the kubelet starts. */
  readonly ipFor: (pod: PodJson) => string;
  /** What KubeVirt knows of a claim of the VM's namespace (for volumeSnapshotStatuses). */
  readonly claims?: ClaimSnapshotting;
  /** What the VMI's root disk states about its OS (an imported golden image), for the guest agent. */
  readonly diskOs?: Partial<GuestOSInfo>;
}

export type Action =
  /** The VM's start-time ControllerRevision first, then its VMI. */
  | { readonly type: 'createVmi'; readonly vmi: VirtualMachineInstance; readonly revision: ControllerRevisionJson }
  | { readonly type: 'patchVmiStatus'; readonly resourceVersion: string; readonly status: VmiStatus }
  | { readonly type: 'deleteVmi'; readonly uid: string }
  | { readonly type: 'createPod'; readonly pod: PodJson }
  | { readonly type: 'bindPod'; readonly name: string; readonly node: string }
  | {
      readonly type: 'patchPodStatus';
      readonly name: string;
      readonly resourceVersion: string;
      readonly status: PodStatusJson;
    }
  /** `gracePeriodSeconds: 0` is the kubelet confirming that a terminating Pod's containers stopped. */
  | { readonly type: 'deletePod'; readonly name: string; readonly uid: string; readonly gracePeriodSeconds?: number }
  | { readonly type: 'patchVmStatus'; readonly resourceVersion: string; readonly status: VmStatus };

export interface Plan {
  readonly actions: Action[];
  /** Look again after this long (a timed step such as readiness is due). */
  readonly requeueAfterMs?: number;
  /** Something worth a log line (e.g. a malformed annotation). */
  readonly warning?: string;
}

export function planVm(state: VmState, ctx: PlanContext): Plan {
  const now = new Date(ctx.now).toISOString();
  const actions: Action[] = [];
  const { vm } = state;
  const vmi = vm && state.vmi && isOwnedBy(state.vmi, vm) ? state.vmi : undefined;
  const pods = state.pods.filter((p) => p.metadata?.deletionTimestamp == null);
  const pod = vmi ? pods.find((p) => p.metadata?.ownerReferences?.some((o) => o.uid === vmi.metadata?.uid)) : undefined;

  // Kubelet and scheduler: these act on any launcher Pod, whether or not its VM still exists.
  for (const p of state.pods) {
    if (p.metadata?.deletionTimestamp != null)
      actions.push({ type: 'deletePod', name: name(p), uid: p.metadata.uid ?? '', gracePeriodSeconds: 0 });
  }
  for (const p of pods) {
    if (!p.spec?.nodeName) actions.push({ type: 'bindPod', name: name(p), node: SANDBOX_NODE });
    else if (!isPodRunning(p)) actions.push(podStatus(p, podRunningStatus(p, ctx.ipFor(p), NODE_IP, now)));
  }
  if (!vm || vm.metadata?.deletionTimestamp) return { actions }; // the garbage collector removes the rest

  const machine = vmi ? planVmi(vm, vmi, pod, state, ctx, now) : planNoVmi(vm);
  actions.push(...machine.actions);

  const status = vmStatusFor(vm, vmi, pod, now, ctx.claims);
  if (!isDeepStrictEqual(ownedVmStatus(currentVmStatus(vm)), ownedVmStatus(status))) {
    actions.push({ type: 'patchVmStatus', resourceVersion: vm.metadata?.resourceVersion ?? '', status });
  }
  return { ...machine, actions };
}

function planNoVmi(vm: VirtualMachine): Plan {
  return {
    actions: runIntent(vm) === 'run' ? [{ type: 'createVmi', vmi: vmiForVm(vm), revision: startRevisionFor(vm) }] : [],
  };
}

function planVmi(
  vm: VirtualMachine,
  vmi: VirtualMachineInstance,
  pod: PodJson | undefined,
  state: VmState,
  ctx: PlanContext,
  now: string,
): Plan {
  if (vmi.metadata?.deletionTimestamp) return { actions: [] };
  const intent = runIntent(vm);
  const phase = vmiPhase(vmi);
  const rv = vmi.metadata?.resourceVersion ?? '';
  const patch = (status: VmiStatus): Plan => ({ actions: [{ type: 'patchVmiStatus', resourceVersion: rv, status }] });
  const terminating = state.pods.some((p) => p.metadata?.deletionTimestamp != null);

  // Stopping: the Pod goes first (the guest shuts down in it), then the VMI.
  if (intent === 'halt') {
    if (pod) return { actions: [{ type: 'deletePod', name: name(pod), uid: pod.metadata?.uid ?? '' }] };
    if (terminating) return { actions: [] };
    return { actions: [{ type: 'deleteVmi', uid: vmi.metadata?.uid ?? '' }] };
  }
  if (phase === 'Succeeded' || phase === 'Failed') {
    return {
      actions:
        restartsFinishedVmi(vm, phase) && !terminating ? [{ type: 'deleteVmi', uid: vmi.metadata?.uid ?? '' }] : [],
    };
  }
  if (phase === '') return patch(pendingStatus(vmi, now));
  if (phase === 'Pending') {
    if (pod) return patch(schedulingStatus(vmi, pod, now));
    if (state.podCreationPending) return { actions: [] };
    return { actions: [{ type: 'createPod', pod: launcherPodFor(vm, vmi) }] };
  }
  if (!pod) return state.podCreationPending ? { actions: [] } : patch(failedStatus(vmi, now));
  if (phase === 'Scheduling') return isPodRunning(pod) ? patch(scheduledStatus(vmi, pod, now)) : { actions: [] };
  if (phase === 'Scheduled') return patch(runningStatus(vmi, pod, now));
  if (phase !== 'Running' || ctx.faults.neverReady) return { actions: [] };

  // What "ready" means is KubeVirt's: the launcher Pod's readiness. Without a readinessProbe in
  // the VMI spec the compute container has none (pkg/virt-controller/services/template.go), so the
  // Pod, hence the VMI and the VM, is Ready as soon as the domain runs, long before the guest has
  // booted. With a probe it passes once the guest is up (readyDelayMs after Running), and a probe
  // through the agent (guestAgentPing, exec) passes only if the guest runs one. The agent, if any,
  // connects when the guest is up and reports the guest OS.
  const bootedAt = (phaseSince(vmi, 'Running') ?? ctx.now) + (ctx.faults.readyDelayMs ?? ctx.readyDelayMs);
  const booted = ctx.now >= bootedAt;
  const probe = vmi.spec.readinessProbe;
  const agent = hasGuestAgent(vmi);
  const probePasses = probe === undefined || (booted && (agent || !needsAgent(probe)));
  if (probePasses && !isPodReady(pod)) return { actions: [podStatus(pod, podReadyStatus(pod, now))] };
  if (probePasses && !isVmiReady(vmi)) return patch(readyStatus(vmi, now));
  if (agent && booted && !isAgentConnected(vmi)) {
    const guest = guestOsInfoFor(vmi, ctx.diskOs);
    return { ...patch(agentStatus(vmi, guest.info, now)), ...(guest.warning ? { warning: guest.warning } : {}) };
  }
  // Something waits for the boot (a probe through the guest, the agent): look again then.
  const waitsForBoot = !booted && ((probe !== undefined && (agent || !needsAgent(probe))) || agent);
  return waitsForBoot ? { actions: [], requeueAfterMs: bootedAt - ctx.now } : { actions: [] };
}

/** Whether the guest runs qemu-guest-agent (see SIM_ANNOTATIONS.guestAgent). */
function hasGuestAgent(vmi: VirtualMachineInstance): boolean {
  const a = vmi.metadata?.annotations ?? {};
  return a[SIM_ANNOTATIONS.guestAgent] === 'true' || a[SIM_ANNOTATIONS.guestOs] !== undefined;
}

/** A probe that goes through the guest agent. */
function needsAgent(probe: NonNullable<VirtualMachineInstance['spec']['readinessProbe']>): boolean {
  return probe.guestAgentPing !== undefined || probe.exec !== undefined;
}

function podStatus(pod: PodJson, status: PodStatusJson): Action {
  return { type: 'patchPodStatus', name: name(pod), resourceVersion: pod.metadata?.resourceVersion ?? '', status };
}

function name(obj: { metadata?: { name?: string } }): string {
  return obj.metadata?.name ?? '';
}

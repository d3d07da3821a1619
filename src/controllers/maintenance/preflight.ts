// Preflight, in planning: what would fail later on a real cluster fails now, with a reason that says
// what to change, before anything is snapshotted or cloned. And what the plan can do only in part
// (a member whose readiness KubeVirt cannot tell) becomes a warning in the preview.
import type { VirtualMachine, VirtualMachineSnapshot } from '../../kubevirt/types.ts';
import { apiStatus, errorMessage, isAlreadyExists, isRetryable } from '../../runtime/errors.ts';
import { hasReadinessProbe } from '../../kubevirt/vm.ts';
import { readsGuestAgent } from './actions/vm-power.ts';
import type { ClusterIO } from './cluster-io.ts';
import type { StepFacts } from './facts.ts';
import { failed, type StepOutcome } from './outcome.ts';
import { SERVICES, VM_SNAPSHOTS } from './resources.ts';

/** The first reason the maintenance cannot run, or undefined. */
export async function preflight(facts: StepFacts, io: ClusterIO): Promise<StepOutcome | undefined> {
  for (const name of facts.appliance.spec.services) {
    if (io.get(SERVICES, name) === undefined) {
      return failed(
        'ServiceNotFound',
        `Service ${name} of spec.services does not exist in namespace ${facts.namespace}`,
      );
    }
  }
  for (const member of facts.members) {
    const vm = io.vmOf(member.name, facts.fromSlot);
    if (vm === undefined) continue; // the appliance's own status says so; planning waits for it
    const problem = memberProblem(vm, member.name, member.dataVolumes);
    if (problem !== undefined) return problem;
  }
  return snapshotsRefused(facts, io);
}

/** Why one member's VM cannot be maintained by cloning, if it cannot. */
export function memberProblem(
  vm: VirtualMachine,
  member: string,
  dataVolumes: readonly string[],
): StepOutcome | undefined {
  const name = vm.metadata?.name ?? '';
  const spec = vm.spec.template.spec;
  // KubeVirt refuses to clone a VM with backend storage (kubevirt pkg/storage/clone/clone.go
  // verifySnapshotContent; pkg/storage/backend-storage: a persistent TPM or EFI).
  const tpm = spec?.domain.devices.tpm?.persistent === true;
  const efi = spec?.domain.firmware?.bootloader?.efi?.persistent === true;
  if (tpm || efi) {
    return failed(
      'BackendStorageUnsupported',
      `member ${member}: VM ${name} keeps a persistent ${tpm ? 'TPM' : 'EFI'} in backend storage, and KubeVirt cannot clone such a VM ("Clone of source with backendstorage is not supported")`,
    );
  }
  for (const volume of dataVolumes) {
    // A volume given to the guest as a filesystem (virtiofs) has no disk image to copy.
    if (spec?.domain.devices.filesystems?.some((f) => f.name === volume) === true) {
      return failed(
        'DataVolumeIsFilesystem',
        `member ${member}: data volume ${volume} of VM ${name} is a virtiofs filesystem, not a disk: it holds no disk image to copy; list only disk volumes in dataVolumes`,
      );
    }
    // KubeVirt tells which volumes it can snapshot (a VolumeSnapshotClass for their storage class).
    const status = vm.status?.volumeSnapshotStatuses?.find((v) => v.name === volume);
    if (status !== undefined && !status.enabled) {
      return failed(
        'DataVolumeNotSnapshottable',
        `member ${member}: KubeVirt cannot snapshot data volume ${volume} of VM ${name}: ${status.reason ?? 'no reason given'}`,
      );
    }
  }
  return undefined;
}

/**
 * Whether KubeVirt refuses VirtualMachineSnapshots (the Snapshot feature gate, off by default up to
 * KubeVirt 1.8: pkg/storage/admitters/vmsnapshot.go). A server-side dry run of the first member's
 * snapshot asks KubeVirt's own admission, creates nothing and needs no extra permission.
 */
async function snapshotsRefused(facts: StepFacts, io: ClusterIO): Promise<StepOutcome | undefined> {
  const member = facts.members[0];
  const original = member === undefined ? undefined : io.vmOf(member.name, facts.fromSlot);
  if (member === undefined || original?.metadata?.name === undefined) return undefined;
  const snapshot: VirtualMachineSnapshot = {
    apiVersion: 'snapshot.kubevirt.io/v1beta1',
    kind: 'VirtualMachineSnapshot',
    metadata: { name: facts.names.snapshot(member.name), namespace: facts.namespace, labels: { ...facts.labels } },
    spec: { source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: original.metadata.name } },
  };
  try {
    await io.dryRunCreate(VM_SNAPSHOTS, snapshot);
    return undefined;
  } catch (err) {
    if (isAlreadyExists(err)) return undefined; // admitted once already: the snapshot exists
    if (isRetryable(err) || apiStatus(err) === undefined) throw err;
    // KubeVirt's webhook refuses with 400 (webhooks.ToAdmissionResponseError), a policy with 422.
    // Anything else (403: the operator's role lacks the verb) is the Snapshot step's to report.
    const code = apiStatus(err)?.code;
    if (code !== 400 && code !== 422) return undefined;
    return failed(
      'SnapshotsRefused',
      `KubeVirt refuses VirtualMachineSnapshots (${errorMessage(err)}): a maintenance needs them; enable the Snapshot feature gate in the KubeVirt CR (spec.configuration.developerConfiguration.featureGates)`,
    );
  }
}

/** What the preview warns about: members whose readiness KubeVirt cannot tell. */
export function readinessWarnings(facts: StepFacts, io: ClusterIO): string[] {
  const warnings: string[] = [];
  for (const member of facts.members) {
    const vm = io.vmOf(member.name, facts.fromSlot);
    if (vm === undefined || hasReadinessProbe(vm) || readsGuestAgent(member)) continue;
    warnings.push(
      `member ${member.name}: VM ${vm.metadata?.name ?? ''} has no readinessProbe, so "ready" means QEMU started, not that its guest serves: the start order, the checks and the switch of the Services cannot wait for the guest (give the VM template a readinessProbe)`,
    );
  }
  return warnings;
}

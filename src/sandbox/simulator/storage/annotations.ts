// The sim.vapp.dev/* annotations of the storage part of the simulator: faults and the workload.
// Real KubeVirt, CSI drivers and kubelets ignore them.
import { SIM_PREFIX } from '../annotations.ts';

export const STORAGE_ANNOTATIONS = {
  /** On a VirtualMachine: writes per second of the simulated workload while the VM runs (e.g. "20"). */
  workload: `${SIM_PREFIX}workload`,
  /**
   * On a VirtualMachineSnapshot, or on its source VM: the snapshot fails (phase Failed). On a CSI
   * VolumeSnapshot: that snapshot reports an error and never becomes ready. The value, unless
   * "true", is the error message.
   */
  snapshotFailure: `${SIM_PREFIX}snapshot-failure`,
  /**
   * On a CSI VolumeSnapshot or its PVC: the driver reports this error once (status.error), then the
   * snapshot controller's retry succeeds and the error is cleared (external-snapshotter: "the last
   * observed error... Upon success, this error field will be cleared").
   */
  snapshotTransientError: `${SIM_PREFIX}snapshot-transient-error`,
  /**
   * On a VirtualMachineSnapshot or its source VM, with a guest agent: freezing the guest's file
   * systems is refused. "true" (or "vss"): the freeze hits the Windows VSS limit, and KubeVirt 1.8+
   * completes the snapshot with the QuiesceTimeout indication (pkg/storage/snapshot/source.go).
   * "error": the freeze fails; KubeVirt retries it and the snapshot fails at its failureDeadline.
   */
  quiesceFailed: `${SIM_PREFIX}quiesce-failed`,
  /** On a VirtualMachineSnapshot or its source VM: comma-separated volumes left out of the snapshot (excludedVolumes). */
  excludeVolumes: `${SIM_PREFIX}snapshot-exclude-volumes`,
  /** On a VirtualMachineClone, or on its source VM (or the VM of its source snapshot): the clone fails. */
  cloneFailure: `${SIM_PREFIX}clone-failure`,
  /** On a VirtualMachineRestore: the restore fails. */
  restoreFailure: `${SIM_PREFIX}restore-failure`,
  /** On an update Job (or its Pod template, or the VM named by VAPP_VM): the update's Pod fails. */
  updateFailure: `${SIM_PREFIX}update-failure`,
  /** On an update Job (or its Pod template, or the VM named by VAPP_VM): the update's Pod succeeds but the level does not change. */
  updateNoEffect: `${SIM_PREFIX}update-no-effect`,
  /**
   * On a data-sync Job (or its Pod template), or on a PVC it reads or writes (or the PVC its
   * source was restored from, so annotating a data volume fails every sync from or into it): the
   * worker fails. "transient" exits 1 with an I/O error (the Job retries), anything else exits 2
   * with a permanent error (the Job fails at once).
   */
  syncFailure: `${SIM_PREFIX}sync-failure`,
  /**
   * On any Job (or its Pod template): its Pods are never scheduled (they stay Pending, as with no
   * node that fits), e.g. a final-round worker whose node has no room.
   */
  unschedulable: `${SIM_PREFIX}unschedulable`,
  /** On any Job (or its Pod template): its Pod fails (exit 1). */
  jobFailure: `${SIM_PREFIX}job-failure`,
  /** On any simulated object (a VM for its snapshots and clones): each step of it takes this many ms. */
  stepDelayMs: `${SIM_PREFIX}step-delay-ms`,
} as const;

// The annotations through which users and tests steer the simulator. They exist only in the
// sandbox: real KubeVirt ignores them, so manifests that carry them still work on a real cluster.

/** Prefix of every simulator annotation. */
export const SIM_PREFIX = 'sim.vapp.dev/';

export const SIM_ANNOTATIONS = {
  /**
   * On the VM template (copied to the VMI at start): JSON of `status.guestOSInfo` fields that the
   * simulated guest agent reports, e.g. `{"id":"debian","versionId":"12"}`.
   */
  guestOs: `${SIM_PREFIX}guest-os`,
  /**
   * On the VM template: `"true"` when the guest runs qemu-guest-agent (it connects once the guest
   * has booted, and reports the guest OS). Set `guest-os` implies it. Without either, the guest has
   * no agent: no AgentConnected condition, no guestOSInfo, as on a real VM without one.
   */
  guestAgent: `${SIM_PREFIX}guest-agent`,
  /** On the VM: `"true"` keeps it from ever becoming ready (the guest never boots). */
  neverReady: `${SIM_PREFIX}never-ready`,
  /** On the VM: milliseconds from Running to Ready for this VM, overriding the simulator default. */
  readyDelayMs: `${SIM_PREFIX}ready-delay-ms`,
} as const;

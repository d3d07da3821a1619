// Names and values the simulated KubeVirt and kubelet share.

/** The one simulated node every launcher Pod runs on. */
export const SANDBOX_NODE = 'sandbox-node';

/** Field manager of every simulator write. */
export const FIELD_MANAGER = 'vapp-simulator';

/** Image of the simulated virt-launcher Pods (never pulled: nothing runs containers). */
export const LAUNCHER_IMAGE = 'quay.io/kubevirt/virt-launcher:v1.6.0';

/** KubeVirt's labels on launcher Pods. */
export const LABELS = {
  app: 'kubevirt.io',
  createdBy: 'kubevirt.io/created-by',
  vmName: 'vm.kubevirt.io/name',
} as const;

/** The value of `kubevirt.io` on launcher Pods. */
export const LAUNCHER_APP = 'virt-launcher';

/** The uid of the qemu user in virt-launcher (KubeVirt runs VMs non-root by default). */
export const RUNTIME_USER = 107;

/**
 * The seccomp profile of launcher Pods. KubeVirt sets one only when its configuration asks for it
 * (spec.configuration.seccompConfiguration.virtualMachineInstanceProfile.customProfile, here
 * runtimeDefaultProfile: true); without it a launcher Pod is refused in a namespace whose Pod
 * Security level is `restricted`. The simulated KubeVirt is configured so.
 */
export const LAUNCHER_SECCOMP_PROFILE = { type: 'RuntimeDefault' } as const;

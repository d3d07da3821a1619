// The virt-launcher Pod that virt-controller creates for a VMI (the Pod the VM "runs" in).
import type { VirtualMachine, VirtualMachineInstance } from '../../kubevirt/types.ts';
import { KUBEVIRT } from '../../kubevirt/types.ts';
import { LABELS, LAUNCHER_APP, LAUNCHER_IMAGE, LAUNCHER_SECCOMP_PROFILE, RUNTIME_USER } from './constants.ts';
import type { PodJson } from './json.ts';

/**
 * The launcher Pod of `vmi`. Its labels are the VMI's (that is, the VM template's at start) plus
 * KubeVirt's own, which is what lets a Service select a VM by a template label. The name is
 * `virt-launcher-<vm>-<5 random chars>`: the API server fills in the random part (generateName).
 * Its security contexts are KubeVirt's in non-root mode (the default): the qemu user, no privilege
 * escalation, every capability dropped but NET_BIND_SERVICE, which Pod Security `restricted` allows.
 */
export function launcherPodFor(vm: VirtualMachine | undefined, vmi: VirtualMachineInstance): PodJson {
  const name = vmi.metadata?.name ?? '';
  // KubeVirt labels the Pod with the VMI's hostname, not the VM name: clones may share it.
  const hostname = vmi.spec.hostname ?? name;
  const grace = vmi.spec.terminationGracePeriodSeconds ?? 30;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `virt-launcher-${vm?.metadata?.name ?? name}-`,
      namespace: vmi.metadata?.namespace,
      labels: {
        ...vmi.metadata?.labels,
        [LABELS.app]: LAUNCHER_APP,
        [LABELS.createdBy]: vmi.metadata?.uid ?? '',
        [LABELS.vmName]: hostname,
      },
      annotations: {
        'kubevirt.io/domain': name,
        'kubectl.kubernetes.io/default-container': 'compute',
      },
      ownerReferences: [
        {
          apiVersion: `${KUBEVIRT.virtualMachineInstances.group}/${KUBEVIRT.virtualMachineInstances.version}`,
          kind: KUBEVIRT.virtualMachineInstances.kind,
          name,
          uid: vmi.metadata?.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      hostname,
      ...(vmi.spec.subdomain ? { subdomain: vmi.spec.subdomain } : {}),
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      // KubeVirt gives the launcher 15 s more than the guest, to shut the domain down cleanly.
      terminationGracePeriodSeconds: grace + 15,
      nodeSelector: { 'kubevirt.io/schedulable': 'true', ...vmi.spec.nodeSelector },
      securityContext: {
        fsGroup: RUNTIME_USER,
        runAsUser: RUNTIME_USER,
        runAsGroup: RUNTIME_USER,
        runAsNonRoot: true,
        seccompProfile: { ...LAUNCHER_SECCOMP_PROFILE },
      },
      containers: [
        {
          name: 'compute',
          image: LAUNCHER_IMAGE,
          command: [
            '/usr/bin/virt-launcher-monitor',
            '--qemu-timeout',
            '300s',
            '--name',
            name,
            '--uid',
            vmi.metadata?.uid ?? '',
            '--namespace',
            vmi.metadata?.namespace ?? '',
          ],
          resources: { requests: { cpu: '100m', memory: memoryRequest(vmi) } },
          securityContext: {
            runAsUser: RUNTIME_USER,
            runAsGroup: RUNTIME_USER,
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
          },
        },
      ],
    },
  };
}

/** The name of the VMI that owns a launcher Pod, if it is one. */
export function owningVmiName(pod: PodJson): string | undefined {
  return pod.metadata?.ownerReferences?.find(
    (o) => o.kind === KUBEVIRT.virtualMachineInstances.kind && o.controller === true,
  )?.name;
}

function memoryRequest(vmi: VirtualMachineInstance): string {
  const guest = vmi.spec.domain.memory?.guest ?? vmi.spec.domain.resources?.requests?.memory;
  return guest === undefined ? '128Mi' : String(guest);
}

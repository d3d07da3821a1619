// The Node a kubelet on this machine would register: Ready, schedulable for KubeVirt, with the
// loopback address. Nothing runs on it; the simulator plays its kubelet.
import { SANDBOX_NODE } from './constants.ts';
import type { NodeJson } from './json.ts';

export const NODE_IP = '127.0.0.1';

export function sandboxNode(): NodeJson {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: SANDBOX_NODE,
      labels: {
        'kubernetes.io/hostname': SANDBOX_NODE,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubevirt.io/schedulable': 'true',
        'node-role.kubernetes.io/sandbox': '',
      },
    },
    spec: { podCIDR: '10.244.0.0/16', podCIDRs: ['10.244.0.0/16'] },
  };
}

/** Node status as JSON, with heartbeat times `now`. */
export function sandboxNodeStatus(now: string): object {
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  const resources = {
    cpu: '16',
    memory: '64Gi',
    pods: '250',
    'ephemeral-storage': '100Gi',
    'devices.kubevirt.io/kvm': '1k',
  };
  return {
    conditions: [
      condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      condition('Ready', 'True', 'KubeletReady', 'simulated kubelet is posting ready status'),
    ],
    addresses: [
      { type: 'InternalIP', address: NODE_IP },
      { type: 'Hostname', address: SANDBOX_NODE },
    ],
    capacity: resources,
    allocatable: resources,
    nodeInfo: {
      machineID: 'sandbox',
      systemUUID: 'sandbox',
      bootID: 'sandbox',
      kernelVersion: '6.12.0-sandbox',
      osImage: 'vapp sandbox',
      containerRuntimeVersion: 'sim://1.0.0',
      kubeletVersion: 'v1.34.0-sim',
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

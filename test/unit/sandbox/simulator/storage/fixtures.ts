// Objects for the storage simulator's unit tests, shaped as the API server returns them.
import type {
  VirtualMachine,
  VirtualMachineClone,
  VirtualMachineInstance,
  VirtualMachineRestore,
  VirtualMachineSnapshot,
} from '../../../../../src/kubevirt/types.ts';
import type { PvcJson } from '../../../../../src/sandbox/simulator/storage/json.ts';

export function vm(): VirtualMachine {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: {
      name: 'db',
      namespace: 'shop',
      uid: 'vm-uid',
      generation: 3,
      resourceVersion: '7',
      labels: { app: 'db', 'vapp.dev/slot': 'blue', 'team.example.com/owner': 'ops' },
      annotations: { 'vapp.dev/levels': '{"postgres":"16.2.0"}', 'sim.vapp.dev/workload': '10' },
    },
    spec: {
      runStrategy: 'Always',
      template: {
        metadata: { labels: { app: 'db', 'vapp.dev/slot': 'blue' }, annotations: { 'example.com/note': 'x' } },
        spec: {
          domain: {
            devices: {
              interfaces: [
                { name: 'default', masquerade: {}, macAddress: '02:00:00:00:00:01' },
                { name: 'backend', bridge: {} },
              ],
            },
            firmware: { serial: 'old-serial', uuid: 'old-uuid' },
          },
          networks: [
            { name: 'default', pod: {} },
            { name: 'backend', multus: { networkName: 'backend' } },
          ],
          volumes: [
            { name: 'root', containerDisk: { image: 'registry.example.com/shop/db:16.2.0' } },
            { name: 'pgdata', persistentVolumeClaim: { claimName: 'db-pgdata' } },
            { name: 'logs', dataVolume: { name: 'db-logs' } },
            { name: 'cloudinit', cloudInitNoCloud: { userData: '#cloud-config' } },
          ],
        },
      },
      dataVolumeTemplates: [
        {
          metadata: { name: 'db-logs' },
          spec: { source: { blank: {} }, storage: { resources: { requests: { storage: '1Gi' } } } },
        },
      ],
    },
    status: { printableStatus: 'Running' },
  };
}

export function vmi(opts: { phase?: string; agent?: boolean } = {}): VirtualMachineInstance {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachineInstance',
    metadata: { name: 'db', namespace: 'shop', uid: 'vmi-uid' },
    spec: { domain: { devices: {} } },
    status: {
      phase: opts.phase ?? 'Running',
      conditions: [
        { type: 'Ready', status: 'True' },
        ...(opts.agent === false ? [] : [{ type: 'AgentConnected', status: 'True' }]),
      ],
    },
  };
}

export function snapshot(extra: Partial<VirtualMachineSnapshot['spec']> = {}): VirtualMachineSnapshot {
  return {
    apiVersion: 'snapshot.kubevirt.io/v1beta1',
    kind: 'VirtualMachineSnapshot',
    metadata: {
      name: 'snap',
      namespace: 'shop',
      uid: 'snap-uid',
      resourceVersion: '1',
      creationTimestamp: '2026-11-22T01:00:00Z',
    },
    spec: { source: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'db' }, ...extra },
  };
}

export function pvc(name: string, storage = '10Gi'): PvcJson {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name,
      namespace: 'shop',
      uid: `${name}-uid`,
      labels: { app: 'db' },
      annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'example.com/keep': 'me' },
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage } },
      storageClassName: 'sandbox',
      volumeMode: 'Filesystem',
      volumeName: 'pvc-x',
    },
    status: { phase: 'Bound', capacity: { storage } },
  };
}

export function restore(patches: string[] = []): VirtualMachineRestore {
  return {
    apiVersion: 'snapshot.kubevirt.io/v1beta1',
    kind: 'VirtualMachineRestore',
    metadata: { name: 'tmp-restore-c1', namespace: 'shop', uid: 'r-uid' },
    spec: {
      target: { apiGroup: 'kubevirt.io', kind: 'VirtualMachine', name: 'db-green' },
      virtualMachineSnapshotName: 'snap',
      patches,
    },
  };
}

export function clone(spec: Partial<VirtualMachineClone['spec']> = {}): VirtualMachineClone {
  return {
    apiVersion: 'clone.kubevirt.io/v1beta1',
    kind: 'VirtualMachineClone',
    metadata: { name: 'c1', namespace: 'shop', uid: 'c-uid' },
    spec: { source: { apiGroup: 'snapshot.kubevirt.io', kind: 'VirtualMachineSnapshot', name: 'snap' }, ...spec },
  };
}

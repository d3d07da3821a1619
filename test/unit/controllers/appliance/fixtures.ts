// Small builders for the objects the appliance controller's pure functions read.
import type { VirtualMachine, VirtualMachineInstance } from '../../../../src/kubevirt/types.ts';

export function vm(
  name: string,
  opts: {
    annotations?: Record<string, string>;
    image?: string;
    ready?: boolean;
    labels?: Record<string, string>;
    owners?: { kind: string; apiVersion: string; name: string; uid: string }[];
  } = {},
): VirtualMachine {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: {
      name,
      namespace: 'shop',
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
      ...(opts.labels ? { labels: opts.labels } : {}),
      ...(opts.owners ? { ownerReferences: opts.owners } : {}),
    },
    spec: {
      runStrategy: 'Always',
      template: {
        spec: {
          domain: { devices: {} },
          volumes: [{ name: 'root', containerDisk: { image: opts.image ?? 'registry.example.com/os:1.0.0' } }],
        },
      },
      dataVolumeTemplates: [
        {
          metadata: { name: 'web-root' },
          spec: { source: { registry: { url: 'docker://registry.example.com/web:2.4.1' } } },
        },
      ],
    },
    status: { ready: opts.ready ?? true, printableStatus: opts.ready === false ? 'Starting' : 'Running' },
  };
}

export function vmi(name: string, guestOSInfo?: Record<string, string>): VirtualMachineInstance {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachineInstance',
    metadata: { name, namespace: 'shop' },
    spec: { domain: { devices: {} } },
    status: guestOSInfo ? { guestOSInfo } : {},
  };
}

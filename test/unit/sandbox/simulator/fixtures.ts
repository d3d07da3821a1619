// VMs for the simulator's unit tests, shaped as the API server returns them.
import type { VirtualMachine } from '../../../../src/kubevirt/types.ts';

export function vm(
  opts: {
    runStrategy?: string;
    running?: boolean;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    templateAnnotations?: Record<string, string>;
    image?: string;
    /** spec.template.spec.readinessProbe (e.g. `{ tcpSocket: { port: 5432 } }`). */
    readinessProbe?: object;
  } = {},
): VirtualMachine {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: {
      name: 'db',
      namespace: 'shop',
      uid: 'vm-uid',
      resourceVersion: '10',
      generation: 2,
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    },
    spec: {
      ...(opts.runStrategy !== undefined ? { runStrategy: opts.runStrategy } : {}),
      ...(opts.running !== undefined ? { running: opts.running } : {}),
      template: {
        metadata: {
          labels: opts.labels ?? { app: 'db' },
          ...(opts.templateAnnotations ? { annotations: opts.templateAnnotations } : {}),
        },
        spec: {
          domain: {
            devices: { disks: [{ name: 'root', disk: { bus: 'virtio' } }] },
            resources: { requests: { memory: '1Gi' } },
          },
          ...(opts.readinessProbe ? { readinessProbe: opts.readinessProbe } : {}),
          volumes: [
            { name: 'root', containerDisk: { image: opts.image ?? 'registry.example.com/shop/db:16.2.0' } },
            { name: 'pgdata', persistentVolumeClaim: { claimName: 'pgdata' } },
            { name: 'cloudinit', cloudInitNoCloud: { userData: '#cloud-config' } },
          ],
        },
      },
    },
    status: null,
  };
}

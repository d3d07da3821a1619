// Friendly names for the KubeVirt and CDI objects the operator reads and writes. The shapes come
// from KubeVirt's own OpenAPI spec (generated at build time by `make generate`), so the code has no
// `any` for KubeVirt objects and follows upstream field names exactly.
import type { components as kubevirt } from './generated/kubevirt.ts';
import type { components as cdi } from './generated/cdi.ts';

type KubeVirtSchemas = kubevirt['schemas'];

export type VirtualMachine = KubeVirtSchemas['v1.VirtualMachine'];
export type VirtualMachineSpec = KubeVirtSchemas['v1.VirtualMachineSpec'];
export type VirtualMachineStatus = KubeVirtSchemas['v1.VirtualMachineStatus'];
export type VirtualMachineCondition = KubeVirtSchemas['v1.VirtualMachineCondition'];
export type VirtualMachineInstance = KubeVirtSchemas['v1.VirtualMachineInstance'];
export type VirtualMachineInstanceStatus = KubeVirtSchemas['v1.VirtualMachineInstanceStatus'];
export type VirtualMachineInstanceCondition = KubeVirtSchemas['v1.VirtualMachineInstanceCondition'];
export type GuestOSInfo = KubeVirtSchemas['v1.VirtualMachineInstanceGuestOSInfo'];
export type Volume = KubeVirtSchemas['v1.Volume'];
export type VirtualMachineSnapshot = KubeVirtSchemas['v1beta1.VirtualMachineSnapshot'];
export type VirtualMachineSnapshotContent = KubeVirtSchemas['v1beta1.VirtualMachineSnapshotContent'];
export type VirtualMachineRestore = KubeVirtSchemas['v1beta1.VirtualMachineRestore'];
export type VirtualMachineClone = KubeVirtSchemas['v1beta1.VirtualMachineClone'];
export type DataVolume = cdi['schemas']['v1beta1.DataVolume'];
export type DataVolumeSpec = cdi['schemas']['v1beta1.DataVolumeSpec'];
export type DataSource = cdi['schemas']['v1beta1.DataSource'];
export type DataImportCron = cdi['schemas']['v1beta1.DataImportCron'];

/** API coordinates of the KubeVirt kinds, as served by KubeVirt 1.x. */
export const KUBEVIRT = {
  virtualMachines: { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachines', kind: 'VirtualMachine' },
  virtualMachineInstances: {
    group: 'kubevirt.io',
    version: 'v1',
    plural: 'virtualmachineinstances',
    kind: 'VirtualMachineInstance',
  },
  snapshots: {
    group: 'snapshot.kubevirt.io',
    version: 'v1beta1',
    plural: 'virtualmachinesnapshots',
    kind: 'VirtualMachineSnapshot',
  },
  snapshotContents: {
    group: 'snapshot.kubevirt.io',
    version: 'v1beta1',
    plural: 'virtualmachinesnapshotcontents',
    kind: 'VirtualMachineSnapshotContent',
  },
  restores: {
    group: 'snapshot.kubevirt.io',
    version: 'v1beta1',
    plural: 'virtualmachinerestores',
    kind: 'VirtualMachineRestore',
  },
  clones: {
    group: 'clone.kubevirt.io',
    version: 'v1beta1',
    plural: 'virtualmachineclones',
    kind: 'VirtualMachineClone',
  },
  dataVolumes: {
    group: 'cdi.kubevirt.io',
    version: 'v1beta1',
    plural: 'datavolumes',
    kind: 'DataVolume',
    optional: true,
  },
  dataSources: {
    group: 'cdi.kubevirt.io',
    version: 'v1beta1',
    plural: 'datasources',
    kind: 'DataSource',
    optional: true,
  },
  dataImportCrons: {
    group: 'cdi.kubevirt.io',
    version: 'v1beta1',
    plural: 'dataimportcrons',
    kind: 'DataImportCron',
    optional: true,
  },
} as const;

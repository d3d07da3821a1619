// Builders for the BaseImage controller's pure functions: a golden-image namespace with a
// DataSource kept current by a DataImportCron, its imports, and appliances whose members' root
// disks are DataVolumes cloned from them.
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import {
  BaseImageSchema,
  VirtualApplianceSchema,
  type BaseImage,
  type BaseImageInput,
  type BaseImageStatus,
  type MaintenancePlan,
  type VirtualAppliance,
} from '../../../../src/api/v1alpha1/index.ts';
import type { BaseImageFacts } from '../../../../src/controllers/baseimage/facts.ts';
import type {
  DataImportCron,
  DataSource,
  DataVolume,
  VirtualMachine,
  VirtualMachineInstance,
  VirtualMachineSnapshot,
} from '../../../../src/kubevirt/types.ts';
import type { VolumeSnapshot } from '../../../../src/runtime/kinds.ts';

export const GOLDEN = 'golden';
export const APPS = 'apps';
export const DIGEST_A = `sha256:${'a1'.repeat(32)}`;
export const DIGEST_B = `sha256:${'b2'.repeat(32)}`;
export const IMPORT_A = `fedora-${'a1'.repeat(6)}`;
export const IMPORT_B = `fedora-${'b2'.repeat(6)}`;

export function baseImage(spec: Partial<BaseImageInput['spec']> = {}, status?: BaseImageStatus): BaseImage {
  return BaseImageSchema.parse({
    apiVersion: 'vapp.dev/v1alpha1',
    kind: 'BaseImage',
    metadata: { name: 'fedora', namespace: GOLDEN, generation: 1 },
    spec: { source: { dataSource: { name: 'fedora' } }, settleSeconds: 0, ...spec },
    ...(status ? { status } : {}),
  });
}

export function dataSource(importName: string | undefined, kind: 'pvc' | 'snapshot' = 'snapshot'): DataSource {
  return {
    apiVersion: 'cdi.kubevirt.io/v1beta1',
    kind: 'DataSource',
    metadata: { name: 'fedora', namespace: GOLDEN, labels: { 'cdi.kubevirt.io/dataImportCron': 'fedora' } },
    spec: { source: importName === undefined ? {} : { [kind]: { namespace: GOLDEN, name: importName } } },
    status:
      importName === undefined
        ? {
            source: {},
            conditions: [{ type: 'Ready', status: 'False', reason: 'NoSource', message: 'No source PVC set' }],
          }
        : {
            source: { [kind]: { namespace: GOLDEN, name: importName } },
            conditions: [
              { type: 'Ready', status: 'True', reason: 'Ready', message: 'DataSource is ready to be consumed' },
            ],
          },
  };
}

export function cron(
  current: { name: string; digest: string } | undefined,
  opts: { garbageCollect?: string } = {},
): DataImportCron {
  return {
    apiVersion: 'cdi.kubevirt.io/v1beta1',
    kind: 'DataImportCron',
    metadata: {
      name: 'fedora',
      namespace: GOLDEN,
      annotations:
        current === undefined ? {} : { 'cdi.kubevirt.io/storage.import.sourceDesiredDigest': current.digest },
    },
    spec: {
      schedule: '* * * * *',
      managedDataSource: 'fedora',
      template: { spec: {} },
      ...(opts.garbageCollect === undefined ? {} : { garbageCollect: opts.garbageCollect }),
    },
    status: {
      ...(current === undefined ? {} : { currentImports: [{ DataVolumeName: current.name, Digest: current.digest }] }),
      conditions: [{ type: 'UpToDate', status: 'True', reason: 'UpToDate', message: 'Latest import is up to date' }],
    },
  };
}

export function importSnapshot(
  name: string,
  opts: { uid?: string; deleting?: boolean; finalizer?: boolean; created?: string } = {},
): VolumeSnapshot {
  return {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshot',
    metadata: {
      name,
      namespace: GOLDEN,
      uid: opts.uid ?? `uid-${name}`,
      labels: { 'cdi.kubevirt.io/dataImportCron': 'fedora' },
      creationTimestamp: (opts.created ?? '2026-01-01T00:00:00Z') as unknown as Date,
      ...(opts.deleting ? { deletionTimestamp: '2026-01-02T00:00:00Z' as unknown as Date } : {}),
      ...(opts.finalizer ? { finalizers: ['vapp.dev/base-image-in-use'] } : {}),
    },
    spec: { source: { persistentVolumeClaimName: name } },
    status: { readyToUse: true, restoreSize: '64Mi' },
  };
}

export function pvc(
  namespace: string,
  name: string,
  spec: V1PersistentVolumeClaim['spec'] = {},
  created = '2026-01-01T00:00:00Z',
): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace, creationTimestamp: created as unknown as Date },
    spec: { resources: { requests: { storage: '64Mi' } }, ...spec },
    status: { phase: 'Bound', capacity: { storage: '64Mi' } },
  };
}

/** A root DataVolume cloned from an import (or through sourceRef). */
export function rootDv(
  namespace: string,
  name: string,
  from: { snapshot?: string; sourceRef?: boolean },
  phase = 'Succeeded',
): DataVolume {
  return {
    apiVersion: 'cdi.kubevirt.io/v1beta1',
    kind: 'DataVolume',
    metadata: { name, namespace },
    spec: {
      ...(from.snapshot ? { source: { snapshot: { namespace: GOLDEN, name: from.snapshot } } } : {}),
      ...(from.sourceRef ? { sourceRef: { kind: 'DataSource', namespace: GOLDEN, name: 'fedora' } } : {}),
      storage: { resources: { requests: { storage: '64Mi' } } },
    },
    status: { phase },
  };
}

export function memberVm(
  name: string,
  opts: {
    appliance?: string;
    member?: string;
    slot?: string;
    plan?: string;
    root?: string;
    annotations?: Record<string, string>;
  } = {},
): VirtualMachine {
  const labels: Record<string, string> = {
    ...(opts.appliance ? { 'vapp.dev/appliance': opts.appliance } : {}),
    ...(opts.member ? { 'vapp.dev/member': opts.member } : {}),
    ...(opts.slot ? { 'vapp.dev/slot': opts.slot } : {}),
    ...(opts.plan ? { 'vapp.dev/plan': opts.plan } : {}),
  };
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachine',
    metadata: { name, namespace: APPS, labels, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      runStrategy: 'Always',
      template: {
        spec: {
          domain: { devices: {} },
          volumes: [
            { name: 'root', dataVolume: { name: opts.root ?? `${name}-root` } },
            { name: 'data', persistentVolumeClaim: { claimName: `${name}-data` } },
          ],
        },
      },
    },
  };
}

export function appliance(
  name: string,
  members: string[],
  status: Partial<NonNullable<VirtualAppliance['status']>> = {},
): VirtualAppliance {
  return VirtualApplianceSchema.parse({
    apiVersion: 'vapp.dev/v1alpha1',
    kind: 'VirtualAppliance',
    metadata: { name, namespace: APPS },
    spec: {
      members: members.map((m) => ({
        name: m,
        vm: `${name}-${m}`,
        dataVolumes: ['data'],
        baseImage: { ref: { name: 'fedora', namespace: GOLDEN } },
      })),
    },
    status: { activeSlot: 'blue', members: [], conditions: [], ...status },
  });
}

export interface World {
  dataSource?: DataSource;
  cron?: DataImportCron;
  snapshots?: VolumeSnapshot[];
  pvcs?: V1PersistentVolumeClaim[];
  dataVolumes?: DataVolume[];
  vms?: VirtualMachine[];
  vmis?: VirtualMachineInstance[];
  appliances?: VirtualAppliance[];
  plans?: MaintenancePlan[];
  vmSnapshots?: VirtualMachineSnapshot[];
}

export function facts(image: BaseImage, world: World, now = new Date('2026-03-01T00:00:00Z')): BaseImageFacts {
  const find =
    <T extends { metadata?: { namespace?: string; name?: string } }>(list: readonly T[] | undefined) =>
    (ns: string, name: string): T | undefined =>
      list?.find((o) => o.metadata?.namespace === ns && o.metadata.name === name);
  const snapshots = world.snapshots ?? [];
  const pvcs = world.pvcs ?? [];
  const labelled = <T extends { metadata?: { labels?: Record<string, string> } }>(l: readonly T[]) =>
    l.filter((o) => o.metadata?.labels?.['cdi.kubevirt.io/dataImportCron'] === 'fedora');
  return {
    image,
    now,
    ...(world.dataSource ? { dataSource: world.dataSource } : {}),
    ...(world.cron ? { cron: world.cron } : {}),
    importPvcs: labelled(pvcs),
    importSnapshots: labelled(snapshots),
    objects: { pvc: find(pvcs), snapshot: find(snapshots), dataVolume: find(world.dataVolumes) },
    vms: world.vms ?? [],
    vmiOf: find(world.vmis),
    appliances: world.appliances ?? [],
    plans: world.plans ?? [],
    dataVolumes: world.dataVolumes ?? [],
    vmSnapshots: world.vmSnapshots ?? [],
  };
}

/** Three appliances of two members each on import A (root DataVolumes cloned from its snapshot). */
export function threeAppliancesOnA(): Pick<World, 'vms' | 'dataVolumes' | 'appliances' | 'pvcs'> {
  const names = ['shop1', 'shop2', 'shop3'];
  const vms = names.flatMap((a) =>
    ['db', 'web'].map((m) => memberVm(`${a}-${m}`, { appliance: a, member: m, slot: 'blue' })),
  );
  return {
    vms,
    dataVolumes: vms.map((vm) => rootDv(APPS, `${vm.metadata?.name ?? ''}-root`, { snapshot: IMPORT_A })),
    pvcs: vms.map((vm) => pvc(APPS, `${vm.metadata?.name ?? ''}-root`)),
    appliances: names.map((a) => appliance(a, ['db', 'web'])),
  };
}

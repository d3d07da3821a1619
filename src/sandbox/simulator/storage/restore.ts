// What KubeVirt's restore controller decides for a VirtualMachineRestore, as pure functions: the
// PVCs restored from the snapshot's CSI VolumeSnapshots (`restore-<restore uid>-<volume>`), the
// target VM (the snapshotted VM, its volumes pointing at those PVCs, the restore's JSON patches
// applied) and the status (no phase: `complete` plus conditions).
import type { VirtualMachine, VirtualMachineRestore, VirtualMachineSnapshotContent } from '../../../kubevirt/types.ts';
import { setCondition } from '../conditions.ts';
import { applyPatch, parsePatches } from './jsonpatch.ts';
import type { PvcJson } from './json.ts';
import { apiVersionOf, STORAGE_RESOURCES } from './resources.ts';

export type RestoreStatus = NonNullable<VirtualMachineRestore['status']>;
type VolumeBackup = NonNullable<VirtualMachineSnapshotContent['spec']['volumeBackups']>[number];
type VolumeRestore = NonNullable<RestoreStatus['restores']>[number];

export const RESTORE_NAME_ANNOTATION = 'restore.kubevirt.io/name';
export const LAST_RESTORE_ANNOTATION = 'restore.kubevirt.io/lastRestoreUID';

export function restorePvcName(restore: VirtualMachineRestore, volumeName: string): string {
  return `restore-${restore.metadata?.uid ?? ''}-${volumeName}`;
}

/** One entry per volume backup of the content: which PVC is restored from which VolumeSnapshot. */
export function volumeRestoresFor(
  restore: VirtualMachineRestore,
  content: VirtualMachineSnapshotContent,
): VolumeRestore[] {
  return (content.spec.volumeBackups ?? []).map((b) => ({
    volumeName: b.volumeName,
    persistentVolumeClaim: restorePvcName(restore, b.volumeName),
    volumeSnapshotName: b.volumeSnapshotName ?? '',
  }));
}

/** Annotations of the provisioner, the binder and CDI (KubeVirt's list): never copied to a restored claim. */
const DROPPED_ANNOTATION_PREFIXES = [
  'pv.kubernetes.io',
  'volume.beta.kubernetes.io',
  'cdi.kubevirt.io',
  'volume.kubernetes.io',
  'k8s.io/CloneRequest',
  'k8s.io/CloneOf',
];

function copiedAnnotations(annotations: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotations ?? {})) {
    if (DROPPED_ANNOTATION_PREFIXES.some((p) => k.startsWith(p))) continue;
    out[k] = v;
  }
  return out;
}

/** The PVC restored from one volume backup: the backed-up claim's spec, its data from the VolumeSnapshot. */
export function restoredPvc(
  restore: VirtualMachineRestore,
  backup: VolumeBackup,
  owner?: { apiVersion: string; kind: string; name: string; uid: string },
): PvcJson {
  const spec = backup.persistentVolumeClaim.spec ?? {};
  const source = {
    apiGroup: STORAGE_RESOURCES.volumeSnapshots.group,
    kind: STORAGE_RESOURCES.volumeSnapshots.kind,
    name: backup.volumeSnapshotName ?? '',
  };
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: restorePvcName(restore, backup.volumeName),
      namespace: restore.metadata?.namespace,
      labels: { ...backup.persistentVolumeClaim.metadata?.labels },
      annotations: {
        ...copiedAnnotations(backup.persistentVolumeClaim.metadata?.annotations),
        [RESTORE_NAME_ANNOTATION]: restore.metadata?.name ?? '',
      },
      ...(owner ? { ownerReferences: [{ ...owner, controller: true, blockOwnerDeletion: true }] } : {}),
    },
    spec: {
      accessModes: spec.accessModes ? [...spec.accessModes] : ['ReadWriteOnce'],
      ...(spec.resources
        ? { resources: structuredClone(spec.resources) as NonNullable<PvcJson['spec']>['resources'] }
        : {}),
      ...(spec.storageClassName ? { storageClassName: spec.storageClassName } : {}),
      ...(spec.volumeMode && spec.volumeMode !== 'FromStorageProfile' ? { volumeMode: spec.volumeMode } : {}),
      dataSource: source,
      dataSourceRef: source,
    },
  };
}

/**
 * The target VM of a restore: the VM kept in the content, named as the restore's target, every
 * restored volume pointing at its restored PVC (a DataVolume volume becomes a PVC volume and its
 * dataVolumeTemplate is dropped: the data is already there), then the restore's patches applied.
 * Throws JsonPatchError when a patch does not apply.
 */
export function targetVmFor(restore: VirtualMachineRestore, content: VirtualMachineSnapshotContent): VirtualMachine {
  const source = content.spec.source.virtualMachine;
  const restored = new Map(volumeRestoresFor(restore, content).map((r) => [r.volumeName, r.persistentVolumeClaim]));
  const spec: VirtualMachine['spec'] = structuredClone(source?.spec ?? { template: {} });
  const restoredDataVolumes = new Set<string>();
  const tspec = spec.template.spec;
  if (tspec?.volumes) {
    tspec.volumes = tspec.volumes.map((v) => {
      const claimName = restored.get(v.name);
      if (claimName === undefined) return v;
      if (v.dataVolume) restoredDataVolumes.add(v.dataVolume.name);
      const { dataVolume: _dv, persistentVolumeClaim, ...rest } = v;
      return { ...rest, persistentVolumeClaim: { ...persistentVolumeClaim, claimName } };
    });
  }
  if (spec.dataVolumeTemplates) {
    spec.dataVolumeTemplates = spec.dataVolumeTemplates.filter((t) => !restoredDataVolumes.has(t.metadata?.name ?? ''));
    if (spec.dataVolumeTemplates.length === 0) delete spec.dataVolumeTemplates;
  }
  const vm: VirtualMachine = {
    apiVersion: apiVersionOf(STORAGE_RESOURCES.vms),
    kind: STORAGE_RESOURCES.vms.kind,
    metadata: {
      name: restore.spec.target.name,
      namespace: restore.metadata?.namespace,
      ...(source?.metadata?.labels ? { labels: { ...source.metadata.labels } } : {}),
      annotations: {
        ...source?.metadata?.annotations,
        [LAST_RESTORE_ANNOTATION]: `${restore.metadata?.name ?? ''}-${restore.metadata?.uid ?? ''}`,
      },
    },
    spec,
  };
  return applyPatch(vm, parsePatches(restore.spec.patches ?? []));
}

function conditions(
  restore: VirtualMachineRestore,
  progressing: [string, string],
  ready: [string, string],
  now: string,
  message?: string,
): RestoreStatus['conditions'] {
  let list = setCondition(
    restore.status?.conditions ?? undefined,
    { type: 'Progressing', status: progressing[0], reason: progressing[1], ...(message ? { message } : {}) },
    now,
  );
  list = setCondition(
    list,
    { type: 'Ready', status: ready[0], reason: ready[1], ...(message ? { message } : {}) },
    now,
  );
  return list;
}

export function restoreInProgressStatus(
  restore: VirtualMachineRestore,
  restores: VolumeRestore[],
  now: string,
): RestoreStatus {
  return {
    ...restore.status,
    complete: false,
    restores,
    conditions: conditions(
      restore,
      ['True', 'Initializing VirtualMachineRestore'],
      ['False', 'Initializing VirtualMachineRestore'],
      now,
    ),
  };
}

export function restoreCompleteStatus(restore: VirtualMachineRestore, now: string): RestoreStatus {
  return {
    ...restore.status,
    complete: true,
    restoreTime: now,
    conditions: conditions(restore, ['False', 'Operation complete'], ['True', 'Operation complete'], now),
  };
}

/** A restore that cannot go on: complete stays false; the Failure condition says why. */
export function restoreFailedStatus(restore: VirtualMachineRestore, message: string, now: string): RestoreStatus {
  const list = setCondition(
    conditions(restore, ['False', 'Operation failed'], ['False', 'Operation failed'], now, message),
    { type: 'Failure', status: 'True', reason: 'Operation failed', message },
    now,
  );
  return { ...restore.status, complete: false, conditions: list };
}

export function isRestoreFailed(restore: VirtualMachineRestore | undefined): boolean {
  return restore?.status?.conditions?.some((c) => c.type === 'Failure' && c.status === 'True') ?? false;
}

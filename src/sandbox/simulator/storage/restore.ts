// What KubeVirt's restore controller decides for a VirtualMachineRestore, as pure functions: the
// PVCs restored from the snapshot's CSI VolumeSnapshots (`restore-<restore uid>-<volume>`), the
// target VM (the snapshotted VM, its volumes pointing at those PVCs, the restore's JSON patches
// applied) and the status (no phase: `complete` plus conditions).
import type { VirtualMachine, VirtualMachineRestore, VirtualMachineSnapshotContent } from '../../../kubevirt/types.ts';
import { setCondition } from '../conditions.ts';
import { applyPatch, parsePatches } from './jsonpatch.ts';
import { parseQuantity } from '../../../runtime/quantity.ts';
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
  return (content.spec.volumeBackups ?? []).map((b) => {
    const name = restorePvcName(restore, b.volumeName);
    // A volume from a dataVolumeTemplate keeps a template, renamed like its PVC (restore.go restoreDVName).
    const template = dataVolumeTemplateOf(content, b.volumeName);
    return {
      volumeName: b.volumeName,
      persistentVolumeClaim: name,
      volumeSnapshotName: b.volumeSnapshotName ?? '',
      ...(template !== undefined ? { dataVolumeName: name } : {}),
    };
  });
}

/** The dataVolumeTemplate a volume of the snapshotted VM comes from, if any (restore.go findDVTemplateIndex). */
function dataVolumeTemplateOf(content: VirtualMachineSnapshotContent, volumeName: string): string | undefined {
  const vm = content.spec.source.virtualMachine;
  const dv = vm?.spec?.template.spec?.volumes?.find((v) => v.name === volumeName)?.dataVolume?.name;
  return dv !== undefined && (vm?.spec?.dataVolumeTemplates ?? []).some((t) => t.metadata?.name === dv)
    ? dv
    : undefined;
}

/** Labels KubeVirt puts on every restored claim (restore.go CreateRestorePVCDefFromVMRestore). */
export const RESTORE_SOURCE_NAME_LABEL = 'restore.kubevirt.io/source-vm-name';
export const RESTORE_SOURCE_NAMESPACE_LABEL = 'restore.kubevirt.io/source-vm-namespace';
/** With it CDI gives the restored claim to the DataVolume of that name (restore.go createRestorePVC). */
export const POPULATED_FOR_ANNOTATION = 'cdi.kubevirt.io/storage.populatedFor';

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

/**
 * The PVC restored from one volume backup: the backed-up claim's spec, its data from the
 * VolumeSnapshot, at least the snapshot's restoreSize (restore.go CreateRestorePVCDef). Owned by
 * the target only when the target existed before the restore; a new target's claims have no owner
 * (restore.go createRestorePVC: the target does not exist yet), and a dataVolumeTemplate's claim is
 * handed to its DataVolume (`populatedFor`).
 */
export function restoredPvc(
  restore: VirtualMachineRestore,
  backup: VolumeBackup,
  sourceVm: { readonly name: string; readonly namespace: string },
  opts: {
    readonly owner?: { apiVersion: string; kind: string; name: string; uid: string };
    readonly dataVolume?: string;
    /** The VolumeSnapshot's status.restoreSize: the claim asks for at least that. */
    readonly restoreSize?: string;
  } = {},
): PvcJson {
  const owner = opts.dataVolume === undefined ? opts.owner : undefined;
  const spec = backup.persistentVolumeClaim.spec ?? {};
  const snapshot = {
    apiGroup: STORAGE_RESOURCES.volumeSnapshots.group,
    kind: STORAGE_RESOURCES.volumeSnapshots.kind,
    name: backup.volumeSnapshotName ?? '',
  };
  const resources = structuredClone(spec.resources ?? {}) as NonNullable<NonNullable<PvcJson['spec']>['resources']>;
  const requested = resources.requests?.storage;
  if (
    opts.restoreSize !== undefined &&
    (requested === undefined || parseQuantity(requested, 'storage') < parseQuantity(opts.restoreSize, 'restoreSize'))
  ) {
    resources.requests = { ...resources.requests, storage: opts.restoreSize };
  }
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: restorePvcName(restore, backup.volumeName),
      namespace: restore.metadata?.namespace,
      labels: {
        ...backup.persistentVolumeClaim.metadata?.labels,
        [RESTORE_SOURCE_NAME_LABEL]: sourceVm.name,
        [RESTORE_SOURCE_NAMESPACE_LABEL]: sourceVm.namespace,
      },
      annotations: {
        ...copiedAnnotations(backup.persistentVolumeClaim.metadata?.annotations),
        [RESTORE_NAME_ANNOTATION]: restore.metadata?.name ?? '',
        [LAST_RESTORE_ANNOTATION]: `${restore.metadata?.name ?? ''}-${restore.metadata?.uid ?? ''}`,
        ...(opts.dataVolume !== undefined ? { [POPULATED_FOR_ANNOTATION]: opts.dataVolume } : {}),
      },
      ...(owner ? { ownerReferences: [{ ...owner, controller: true, blockOwnerDeletion: true }] } : {}),
    },
    spec: {
      accessModes: spec.accessModes ? [...spec.accessModes] : ['ReadWriteOnce'],
      ...(Object.keys(resources).length > 0 ? { resources } : {}),
      ...(spec.storageClassName ? { storageClassName: spec.storageClassName } : {}),
      ...(spec.volumeMode && spec.volumeMode !== 'FromStorageProfile' ? { volumeMode: spec.volumeMode } : {}),
      dataSource: snapshot,
      dataSourceRef: snapshot,
    },
  };
}

/**
 * The target VM of a restore: the VM kept in the content, named as the restore's target, every
 * restored volume pointing at its restored PVC (a DataVolume volume becomes a PVC volume and its
 * dataVolumeTemplate is dropped: the data is already there), then the restore's patches applied.
 * Throws JsonPatchError when a patch does not apply.
 */
export function targetVmFor(
  restore: VirtualMachineRestore,
  content: VirtualMachineSnapshotContent,
  existing?: VirtualMachine,
): VirtualMachine {
  const source = content.spec.source.virtualMachine;
  const restores = new Map(volumeRestoresFor(restore, content).map((r) => [r.volumeName, r]));
  const spec: VirtualMachine['spec'] = structuredClone(source?.spec ?? { template: {} });
  const renamed = new Map<string, string>();
  const tspec = spec.template.spec;
  if (tspec?.volumes) {
    tspec.volumes = tspec.volumes.map((v) => {
      const r = restores.get(v.name);
      if (r === undefined) return v;
      if (v.persistentVolumeClaim !== undefined)
        return { ...v, persistentVolumeClaim: { ...v.persistentVolumeClaim, claimName: r.persistentVolumeClaim } };
      if (v.dataVolume !== undefined && r.dataVolumeName !== undefined) {
        // A dataVolumeTemplate's volume keeps its template, renamed (restore.go generateRestoredVMSpec).
        renamed.set(v.dataVolume.name, r.dataVolumeName);
        return { ...v, dataVolume: { ...v.dataVolume, name: r.dataVolumeName } };
      }
      // A DataVolume without a template becomes a PVC volume.
      return { name: v.name, persistentVolumeClaim: { claimName: r.persistentVolumeClaim } };
    });
  }
  if (spec.dataVolumeTemplates) {
    spec.dataVolumeTemplates = spec.dataVolumeTemplates.map((t) => {
      const name = renamed.get(t.metadata?.name ?? '');
      return name === undefined ? t : { ...t, metadata: { ...t.metadata, name } };
    });
  }
  // A new VM is created stopped the way its source says it runs: running false, else Halted; an
  // existing one keeps its own run strategy (restore.go generateRestoredVMSpec).
  if (existing === undefined) {
    if (spec.running !== undefined) spec.running = false;
    else spec.runStrategy = 'Halted';
  } else if (existing.spec.running !== undefined) {
    spec.running = false;
    delete spec.runStrategy;
  } else {
    spec.runStrategy = existing.spec.runStrategy ?? 'Halted';
    delete spec.running;
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
  // The restore's patches apply to a new target only (restore.go).
  return existing === undefined ? applyPatch(vm, parsePatches(restore.spec.patches ?? [])) : vm;
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

/**
 * An error the restore controller retries (a patch that does not apply, a target it may not write,
 * a VM KubeVirt's webhook refuses): Progressing and Ready False with the message, no Failure
 * (restore.go doUpdateError). The restore is retried and never fails by itself.
 */
export function restoreErrorStatus(restore: VirtualMachineRestore, message: string, now: string): RestoreStatus {
  return {
    ...restore.status,
    complete: false,
    conditions: conditions(restore, ['False', message], ['False', message], now),
  };
}

/** The message of a retried restore error, if the restore shows one. */
export function restoreError(restore: VirtualMachineRestore | undefined): string | undefined {
  const ready = restore?.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'False' &&
    ready.reason !== undefined &&
    !ready.reason.startsWith('Initializing') &&
    ready.reason !== 'Operation complete'
    ? ready.reason
    : undefined;
}

export function isRestoreFailed(restore: VirtualMachineRestore | undefined): boolean {
  return restore?.status?.conditions?.some((c) => c.type === 'Failure' && c.status === 'True') ?? false;
}

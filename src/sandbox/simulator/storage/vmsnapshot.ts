// What KubeVirt's snapshot controller decides for a VirtualMachineSnapshot, as pure functions:
// which volumes it includes, the VirtualMachineSnapshotContent it creates (a copy of the VM and one
// CSI VolumeSnapshot per PVC or DataVolume volume), the indications and the status in each phase.
import type {
  VirtualMachine,
  VirtualMachineInstance,
  VirtualMachineSnapshot,
  VirtualMachineSnapshotContent,
} from '../../../kubevirt/types.ts';
import { findCondition, setCondition } from '../conditions.ts';
import { ownerRef } from './api.ts';
import type { PvcJson, VolumeSnapshotJson } from './json.ts';
import { apiVersionOf, STORAGE_RESOURCES } from './resources.ts';

export type SnapshotStatus = NonNullable<VirtualMachineSnapshot['status']>;
type Condition = NonNullable<SnapshotStatus['conditions']>[number];

/** KubeVirt's default failure deadline of a snapshot. */
export const DEFAULT_FAILURE_DEADLINE_MS = 5 * 60_000;

export function contentNameFor(snapshot: VirtualMachineSnapshot): string {
  return `vmsnapshot-content-${snapshot.metadata?.uid ?? ''}`;
}

/** The CSI VolumeSnapshot of one volume of a snapshot. */
export function volumeSnapshotNameFor(snapshotUid: string, volumeName: string): string {
  return `vmsnapshot-${snapshotUid}-volume-${volumeName}`;
}

/** One volume a snapshot includes, with the PVC that holds it. */
export interface IncludedVolume {
  readonly volumeName: string;
  readonly claimName: string;
}

/**
 * The volumes of the VM that the snapshot includes (PVCs and DataVolumes, minus `exclude`) and
 * those it excludes (containerDisks, cloud-init and every other kind, which cannot be snapshotted).
 */
export function snapshotVolumes(
  vm: VirtualMachine,
  exclude: readonly string[] = [],
): { included: IncludedVolume[]; excluded: string[] } {
  const included: IncludedVolume[] = [];
  const excluded: string[] = [];
  for (const v of vm.spec.template.spec?.volumes ?? []) {
    const claimName = v.persistentVolumeClaim?.claimName ?? v.dataVolume?.name;
    if (claimName !== undefined && !exclude.includes(v.name)) included.push({ volumeName: v.name, claimName });
    else excluded.push(v.name);
  }
  return { included, excluded };
}

export interface Indications {
  readonly indications: string[];
  readonly sourceIndications: { indication: string; message: string }[];
}

const MESSAGES: Readonly<Record<string, string>> = {
  Online: 'The VM was running when the snapshot was taken',
  GuestAgent: 'The guest agent froze the file systems of the guest for the snapshot',
  NoGuestAgent: 'No guest agent was connected: the file systems were not frozen, the snapshot is crash-consistent only',
  QuiesceTimeout:
    'Quiesce failed: the guest hit the VSS limit of a freeze (fsfreeze is limited); the snapshot may be crash-consistent only',
};

/**
 * Online when the VM runs; then GuestAgent when its agent is connected (else NoGuestAgent);
 * QuiesceTimeout when the freeze hit the Windows VSS limit (KubeVirt 1.8+: pkg/storage/snapshot/
 * source.go; QuiesceFailed of 1.6 and 1.7 is gone).
 */
export function indicationsFor(
  vmi: VirtualMachineInstance | undefined,
  quiesceFailed: 'vss' | 'error' | undefined,
): Indications {
  const list: string[] = [];
  const online = vmi !== undefined && vmi.metadata?.deletionTimestamp == null && vmi.status?.phase === 'Running';
  if (online) {
    list.push('Online');
    const agent = findCondition(vmi.status?.conditions ?? undefined, 'AgentConnected')?.status === 'True';
    list.push(agent ? 'GuestAgent' : 'NoGuestAgent');
    if (agent && quiesceFailed === 'vss') list.push('QuiesceTimeout');
  }
  return {
    indications: list,
    sourceIndications: list.map((indication) => ({ indication, message: MESSAGES[indication] ?? indication })),
  };
}

/**
 * The VM as the content keeps it: identity, labels, annotations and spec; no status. For a VM that
 * runs, the spec is the one its VMI was started with (`started`, from its ControllerRevision), with
 * the current volumes, disks and dataVolumeTemplates (kubevirt pkg/storage/snapshot/source.go:
 * vmSnapshotSource.Spec): template labels added while it ran are not in the copy.
 */
export function vmCopy(
  vm: VirtualMachine,
  started?: VirtualMachine,
): NonNullable<NonNullable<VirtualMachineSnapshotContent['spec']['source']>['virtualMachine']> {
  const m = vm.metadata ?? {};
  const spec = structuredClone(started?.spec ?? vm.spec);
  if (started !== undefined) {
    const current = vm.spec.template.spec;
    if (spec.template.spec && current) {
      spec.template.spec.volumes = structuredClone(current.volumes);
      spec.template.spec.domain.devices.disks = structuredClone(current.domain.devices.disks);
    }
    if (vm.spec.dataVolumeTemplates) spec.dataVolumeTemplates = structuredClone(vm.spec.dataVolumeTemplates);
    else delete spec.dataVolumeTemplates;
  }
  return {
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      ...(m.generation !== undefined ? { generation: m.generation } : {}),
      ...(m.labels ? { labels: { ...m.labels } } : {}),
      ...(m.annotations ? { annotations: { ...m.annotations } } : {}),
    },
    spec,
  };
}

/**
 * The content of `snapshot`: the VM copy and one volume backup per included volume, each with the
 * PVC's metadata and spec (what a restore needs to create an equal claim) and the name of the CSI
 * VolumeSnapshot that will hold its data.
 */
export function contentFor(
  snapshot: VirtualMachineSnapshot,
  vm: VirtualMachine,
  included: readonly IncludedVolume[],
  pvcs: ReadonlyMap<string, PvcJson>,
  started?: VirtualMachine,
): VirtualMachineSnapshotContent {
  return {
    apiVersion: apiVersionOf(STORAGE_RESOURCES.vmSnapshotContents),
    kind: STORAGE_RESOURCES.vmSnapshotContents.kind,
    metadata: {
      name: contentNameFor(snapshot),
      namespace: snapshot.metadata?.namespace,
      // deletionPolicy Delete (the default): the content goes with its snapshot.
      ...(snapshot.spec.deletionPolicy === 'Retain'
        ? {}
        : {
            ownerReferences: [
              ownerRef(apiVersionOf(STORAGE_RESOURCES.vmSnapshots), STORAGE_RESOURCES.vmSnapshots.kind, snapshot),
            ],
          }),
    },
    spec: {
      source: { virtualMachine: vmCopy(vm, started) },
      virtualMachineSnapshotName: snapshot.metadata?.name ?? '',
      volumeBackups: included.map((v) => {
        const pvc = pvcs.get(v.claimName);
        return {
          volumeName: v.volumeName,
          volumeSnapshotName: volumeSnapshotNameFor(snapshot.metadata?.uid ?? '', v.volumeName),
          persistentVolumeClaim: {
            metadata: {
              name: v.claimName,
              namespace: snapshot.metadata?.namespace,
              ...(pvc?.metadata?.labels ? { labels: { ...pvc.metadata.labels } } : {}),
              ...(pvc?.metadata?.annotations ? { annotations: { ...pvc.metadata.annotations } } : {}),
            },
            spec: claimSpecForBackup(pvc),
          },
        };
      }),
    },
  };
}

/** The claim spec a restore reuses: requests, modes and class; never the binding or the data source. */
function claimSpecForBackup(
  pvc: PvcJson | undefined,
): NonNullable<
  NonNullable<VirtualMachineSnapshotContent['spec']['volumeBackups']>[number]['persistentVolumeClaim']['spec']
> {
  const s = pvc?.spec ?? {};
  return {
    ...(s.accessModes
      ? {
          accessModes: [...s.accessModes] as (
            'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod'
          )[],
        }
      : {}),
    ...(s.resources ? { resources: structuredClone(s.resources) } : {}),
    ...(s.storageClassName ? { storageClassName: s.storageClassName } : {}),
    ...(s.volumeMode ? { volumeMode: s.volumeMode as 'Block' | 'Filesystem' } : {}),
  };
}

function cond(
  conditions: Condition[] | undefined,
  type: string,
  status: string,
  reason: string,
  now: string,
): Condition[] {
  return setCondition(conditions, { type, status, reason }, now);
}

/** The first status: InProgress, the source locked, what will be included and how the source was. */
export function inProgressStatus(
  snapshot: VirtualMachineSnapshot,
  vm: VirtualMachine,
  volumes: { included: IncludedVolume[]; excluded: string[] },
  ind: Indications,
  now: string,
): SnapshotStatus {
  const old = snapshot.status ?? {};
  let conditions = cond(old.conditions, 'Progressing', 'True', 'Source locked and operation in progress', now);
  conditions = cond(conditions, 'Ready', 'False', 'Not ready', now);
  return {
    ...old,
    phase: 'InProgress',
    readyToUse: false,
    sourceUID: vm.metadata?.uid ?? '',
    virtualMachineSnapshotContentName: contentNameFor(snapshot),
    indications: ind.indications,
    sourceIndications: ind.sourceIndications,
    snapshotVolumes: {
      ...(volumes.included.length > 0 ? { includedVolumes: volumes.included.map((v) => v.volumeName) } : {}),
      ...(volumes.excluded.length > 0 ? { excludedVolumes: volumes.excluded } : {}),
    },
    conditions,
  };
}

/** Waiting for a source that does not exist (KubeVirt keeps waiting until the failure deadline). */
export function sourceMissingStatus(snapshot: VirtualMachineSnapshot, now: string): SnapshotStatus {
  const old = snapshot.status ?? {};
  let conditions = cond(old.conditions, 'Progressing', 'False', 'Source does not exist', now);
  conditions = cond(conditions, 'Ready', 'False', 'Not ready', now);
  return { ...old, phase: old.phase ?? 'Unknown', readyToUse: false, conditions };
}

export function succeededStatus(snapshot: VirtualMachineSnapshot, creationTime: string, now: string): SnapshotStatus {
  const old = snapshot.status ?? {};
  let conditions = cond(old.conditions, 'Progressing', 'False', 'Operation complete', now);
  conditions = cond(conditions, 'Ready', 'True', 'Operation complete', now);
  return { ...old, phase: 'Succeeded', readyToUse: true, creationTime, conditions };
}

export function failedStatus(snapshot: VirtualMachineSnapshot, message: string, now: string): SnapshotStatus {
  const old = snapshot.status ?? {};
  let conditions = cond(old.conditions, 'Progressing', 'False', 'Operation failed', now);
  conditions = cond(conditions, 'Ready', 'False', 'Operation failed', now);
  conditions = conditions.map((c) => (c.type === 'Progressing' || c.type === 'Ready' ? { ...c, message } : c));
  return { ...old, phase: 'Failed', readyToUse: false, error: { message, time: now }, conditions };
}

/** Milliseconds after creation at which an unfinished snapshot fails. */
export function failureDeadlineMs(snapshot: VirtualMachineSnapshot): number {
  const d = snapshot.spec.failureDeadline;
  if (typeof d !== 'string') return DEFAULT_FAILURE_DEADLINE_MS;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(d);
  if (!m || d === '') return DEFAULT_FAILURE_DEADLINE_MS;
  const ms = (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000;
  // 0 means no deadline in KubeVirt.
  return ms === 0 ? Number.POSITIVE_INFINITY : ms;
}

export function isFinished(snapshot: VirtualMachineSnapshot): boolean {
  return snapshot.status?.phase === 'Succeeded' || snapshot.status?.phase === 'Failed';
}

export type ContentStatus = NonNullable<VirtualMachineSnapshotContent['status']>;

/**
 * The content's status from its CSI VolumeSnapshots: ready when all are, created when the last was
 * cut, in error when one is (or is missing after it was created).
 */
export function contentStatusFor(
  content: VirtualMachineSnapshotContent,
  volumeSnapshots: ReadonlyMap<string, VolumeSnapshotJson | undefined>,
  now: string,
): { status: ContentStatus; error?: string } {
  const backups = content.spec.volumeBackups ?? [];
  const statuses = backups.map((b) => {
    const vs = volumeSnapshots.get(b.volumeSnapshotName ?? '');
    return {
      volumeSnapshotName: b.volumeSnapshotName ?? '',
      ...(vs?.status?.readyToUse !== undefined ? { readyToUse: vs.status.readyToUse } : {}),
      ...(vs?.status?.creationTime ? { creationTime: vs.status.creationTime } : {}),
      ...(vs?.status?.error
        ? {
            error: {
              ...(vs.status.error.message ? { message: vs.status.error.message } : {}),
              ...(vs.status.error.time ? { time: vs.status.error.time } : {}),
            },
          }
        : {}),
    };
  });
  const failed = statuses.find((s) => s.error);
  const error = failed
    ? `VolumeSnapshot ${failed.volumeSnapshotName} error: ${failed.error?.message ?? 'unknown'}`
    : undefined;
  const ready = statuses.every((s) => s.readyToUse === true);
  const times = statuses
    .map((s) => s.creationTime)
    .filter((t): t is string => t !== undefined)
    .sort();
  const created = statuses.every((s) => s.creationTime !== undefined);
  const creationTime = created ? (times.at(-1) ?? content.status?.creationTime ?? now) : undefined;
  return {
    status: {
      readyToUse: ready && error === undefined,
      ...(creationTime ? { creationTime } : {}),
      ...(statuses.length > 0 ? { volumeSnapshotStatus: statuses } : {}),
      ...(error ? { error: { message: error, time: content.status?.error?.time ?? now } } : {}),
    },
    ...(error ? { error } : {}),
  };
}

// All the decisions of one pass of the BaseImage controller, from what observe.ts read: the version
// ledger (source.ts, ledger.ts), who uses each version (usage.ts), each version's state and the
// release writes (release.ts), the status with its conditions, the Events and when to look again.
// Pure: the reconciler carries out the writes.
import type { BaseImageStatus, VersionSource, VersionStatus } from '../../api/v1alpha1/index.ts';
import { setCondition, setKStatus, type KStatus } from '../../runtime/conditions.ts';
import { parseDuration } from '../../runtime/duration.ts';
import { parseQuantity } from '../../runtime/quantity.ts';
import { metav1Time } from '../../runtime/time.ts';
import type { VersionCatalog } from '../shared/provenance.ts';
import type { BaseImageFacts } from './facts.ts';
import { nextLedger } from './ledger.ts';
import { describeUsage, protectedBy, releaseStates, type ObjectState } from './release.ts';
import { readSource } from './source.ts';
import { usageOf } from './usage.ts';

/** A periodic look, beyond the watches: delays and caches of kinds that do not enqueue us. */
export const RESYNC_MS = 60_000;

/** An object a write is about: a version's PVC, VolumeSnapshot or import DataVolume, or the cron. */
export interface ObjectRef {
  readonly kind: 'PersistentVolumeClaim' | 'VolumeSnapshot' | 'DataVolume' | 'DataImportCron';
  readonly namespace: string;
  readonly name: string;
}

export type BaseImageAction =
  | { readonly kind: 'addFinalizer'; readonly object: ObjectRef }
  | { readonly kind: 'removeFinalizer'; readonly object: ObjectRef }
  | { readonly kind: 'delete'; readonly object: ObjectRef }
  /** garbageCollection TakeOver: the DataImportCron's spec.garbageCollect becomes Never. */
  | { readonly kind: 'stopCronGarbageCollection'; readonly object: ObjectRef };

export interface BaseImageEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface BaseImageDecision {
  /** Writes before the status, in order. */
  readonly actions: readonly BaseImageAction[];
  readonly status: BaseImageStatus;
  readonly events: readonly BaseImageEvent[];
  readonly requeueAfterMs: number;
}

export function decideBaseImage(facts: BaseImageFacts): BaseImageDecision {
  const { image, now } = facts;
  const namespace = image.metadata.namespace ?? '';
  const previous = image.status;
  const reading = readSource(facts);
  const ledger = nextLedger(previous, reading, image.spec.settleSeconds * 1000, now);
  const catalog: VersionCatalog = {
    image: `${namespace}/${image.metadata.name ?? ''}`,
    namespace,
    versions: ledger.versions,
    ...(image.spec.source.containerDisk ? { repository: image.spec.source.containerDisk.repository } : {}),
    ...(image.spec.guestOS ? { guestField: image.spec.guestOS.field } : {}),
  };
  const usage = usageOf(catalog, facts);
  const learned = ledger.versions.map((v) => learnGuest(v, usage.guestReports.get(v.version)));
  const released = releaseStates({
    versions: learned,
    latest: ledger.latest?.version,
    usage: usage.byVersion,
    objects: (v) => objectState(facts, v.source),
    release: image.spec.release,
    releaseMinUnusedMs: parseDuration(image.spec.release.minUnusedFor, 'spec.release.minUnusedFor'),
    now,
  });

  const actions: BaseImageAction[] = [];
  for (const a of released.actions) {
    const v = released.versions.find((x) => x.version === a.version);
    const source = v?.source;
    if (source === undefined || source.kind === 'ContainerImage') continue;
    const object = { kind: source.kind, namespace: source.namespace ?? namespace, name: source.name } as const;
    if (a.kind === 'protect') actions.push({ kind: 'addFinalizer', object });
    else if (a.kind === 'unprotect') actions.push({ kind: 'removeFinalizer', object });
    else actions.push(...deletions(facts, object));
  }
  // Our finalizer on an import that is no (longer the) object of a kept version, e.g. the transient
  // import PVC of a snapshot-format cron: it goes, so that CDI's own clean-up completes.
  const kept = new Set(
    actions.filter((a) => a.kind === 'addFinalizer').map((a) => `${a.object.kind}/${a.object.name}`),
  );
  for (const v of released.versions) {
    if (
      v.source !== undefined &&
      v.source.kind !== 'ContainerImage' &&
      ['Latest', 'InUse', 'Retained'].includes(v.state)
    )
      kept.add(`${v.source.kind}/${v.source.name}`);
  }
  for (const [kind, list] of [
    ['PersistentVolumeClaim', facts.importPvcs],
    ['VolumeSnapshot', facts.importSnapshots],
  ] as const) {
    for (const obj of list) {
      const name = obj.metadata?.name ?? '';
      if (
        protectedBy(obj) &&
        !kept.has(`${kind}/${name}`) &&
        !actions.some((a) => a.object.kind === kind && a.object.name === name)
      )
        actions.push({ kind: 'removeFinalizer', object: { kind, namespace, name } });
    }
  }
  const cron = facts.cron;
  if (
    image.spec.release.garbageCollection === 'TakeOver' &&
    cron !== undefined &&
    cron.spec.garbageCollect !== 'Never'
  ) {
    actions.push({
      kind: 'stopCronGarbageCollection',
      object: { kind: 'DataImportCron', namespace, name: cron.metadata?.name ?? '' },
    });
  }

  const versions = released.versions;
  const latest =
    ledger.latest === undefined
      ? undefined
      : {
          ...ledger.latest,
          displayVersion:
            versions.find((v) => v.version === ledger.latest?.version)?.displayVersion ?? ledger.latest.displayVersion,
        };
  const live = versions.filter((v) => v.state !== 'Released' && v.state !== 'Missing');
  const reclaimableBytes = versions.reduce(
    (sum, v) => sum + (v.state !== 'Released' ? (v.reclaimableBytes ?? 0) : 0),
    0,
  );
  const events: BaseImageEvent[] = [];
  if (ledger.promoted !== undefined) {
    const v = versions.find((x) => x.version === ledger.promoted);
    const before = previous?.latest;
    events.push({
      type: 'Normal',
      reason: 'NewVersion',
      message: `version ${v?.displayVersion ?? ''} (${ledger.promoted}) is the latest${before === undefined ? '' : `; it replaces ${before.displayVersion}`}`,
    });
  }
  for (const n of released.notices) {
    const what = `version ${n.version.displayVersion} (${n.version.version})`;
    if (n.what === 'DeletionDeferred')
      events.push({
        type: 'Normal',
        reason: 'DeletionDeferred',
        message: `${what} was deleted (e.g. by CDI garbage collection) while in use by ${describeUsage(n.version.usage)}: its storage stays until it is released`,
      });
    else if (n.what === 'Releasing')
      events.push({ type: 'Normal', reason: 'Releasing', message: `releasing ${what}: nothing uses it` });
    else if (n.what === 'Released')
      events.push({ type: 'Normal', reason: 'Released', message: `${what} was released; its storage is gone` });
    else
      events.push({ type: 'Warning', reason: 'VersionMissing', message: `${what} is gone though it was not released` });
  }

  const kstatus = kstatusOf(reading.problem, latest, ledger.pending, ledger.settlesAt, versions);
  const generation = image.metadata.generation;
  const opts = { ...(generation === undefined ? {} : { observedGeneration: generation }), now };
  let conditions = setKStatus(previous?.conditions, kstatus, opts);
  conditions = setCondition(
    conditions,
    ledger.pending !== undefined
      ? {
          type: 'UpToDate',
          status: 'False',
          reason: 'Settling',
          message: `version ${ledger.pending.version} becomes the latest at ${ledger.settlesAt === undefined ? '' : metav1Time(ledger.settlesAt)} if its source stays Ready`,
        }
      : { type: 'UpToDate', ...reading.upToDate },
    opts,
  );
  const status: BaseImageStatus = {
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    ...(latest === undefined ? {} : { latest }),
    ...(ledger.pending === undefined ? {} : { pending: ledger.pending }),
    versions,
    versionCount: live.length,
    inUse: versions.filter((v) => v.state === 'InUse' || (v.state === 'Latest' && v.holders.length > 0)).length,
    releasable: versions.filter((v) => v.state === 'Releasable' || v.state === 'Releasing').length,
    reclaimableBytes,
    reclaimable: formatBytes(reclaimableBytes),
    usage: usageLine(versions),
    conditions,
  };
  const due = [ledger.settlesAt, released.nextAt]
    .filter((d): d is Date => d !== undefined)
    .map((d) => Math.max(1, d.getTime() - now.getTime()));
  const releasing = versions.some((v) => v.state === 'Releasing');
  return {
    actions,
    status,
    events,
    requeueAfterMs: Math.min(RESYNC_MS, releasing ? 2_000 : RESYNC_MS, ...due),
  };
}

/** A version learns what its guests report when every VM known to run it reports the same value. */
function learnGuest(v: VersionStatus, reports: readonly string[] | undefined): VersionStatus {
  if (v.guestOS !== undefined || reports === undefined || reports.length === 0) return v;
  const value = reports[0] ?? '';
  if (value === '' || !reports.every((r) => r === value)) return v;
  return { ...v, guestOS: value, ...(v.displayVersion === v.label ? { displayVersion: value } : {}) };
}

function objectState(facts: BaseImageFacts, source: VersionSource | undefined): ObjectState | undefined {
  if (source === undefined || source.kind === 'ContainerImage')
    return { exists: true, deleting: false, hasFinalizer: false };
  const ns = source.namespace ?? facts.image.metadata.namespace ?? '';
  const obj =
    source.kind === 'VolumeSnapshot' ? facts.objects.snapshot(ns, source.name) : facts.objects.pvc(ns, source.name);
  if (obj === undefined) return { exists: false, deleting: false, hasFinalizer: false };
  const size =
    source.kind === 'VolumeSnapshot'
      ? (obj as { status?: { restoreSize?: string } }).status?.restoreSize
      : ((obj as { status?: { capacity?: Record<string, string> } }).status?.capacity?.storage ?? source.size);
  let bytes: number | undefined;
  try {
    bytes = size === undefined ? undefined : parseQuantity(size, 'size');
  } catch {
    bytes = undefined;
  }
  return {
    exists: true,
    deleting: obj.metadata?.deletionTimestamp !== undefined,
    hasFinalizer: protectedBy(obj),
    ...(bytes === undefined ? {} : { bytes }),
  };
}

/** What deleting a version takes, as CDI's deleteDvPvc: the import DataVolume, else the PVC; and the VolumeSnapshot. */
function deletions(facts: BaseImageFacts, object: ObjectRef): BaseImageAction[] {
  const out: BaseImageAction[] = [];
  const { namespace, name } = object;
  const dv = facts.objects.dataVolume(namespace, name);
  if (dv !== undefined) out.push({ kind: 'delete', object: { kind: 'DataVolume', namespace, name } });
  else if (facts.objects.pvc(namespace, name) !== undefined)
    out.push({ kind: 'delete', object: { kind: 'PersistentVolumeClaim', namespace, name } });
  if (facts.objects.snapshot(namespace, name) !== undefined)
    out.push({ kind: 'delete', object: { kind: 'VolumeSnapshot', namespace, name } });
  return out;
}

function kstatusOf(
  problem: { readonly stalled: boolean; readonly reason: string; readonly message: string } | undefined,
  latest: BaseImageStatus['latest'],
  pending: BaseImageStatus['pending'],
  settlesAt: Date | undefined,
  versions: readonly VersionStatus[],
): KStatus {
  if (problem?.stalled === true) return { state: 'Stalled', reason: problem.reason, message: problem.message };
  if (latest === undefined) {
    return problem === undefined
      ? { state: 'Reconciling', reason: 'Settling', message: `waiting for version ${pending?.version ?? ''} to settle` }
      : { state: 'Reconciling', reason: problem.reason, message: problem.message };
  }
  if (pending !== undefined) {
    return {
      state: 'Reconciling',
      reason: 'Settling',
      message: `version ${pending.version} is Ready since ${pending.readySince}; it becomes the latest at ${settlesAt === undefined ? '' : metav1Time(settlesAt)}`,
    };
  }
  const releasing = versions.filter((v) => v.state === 'Releasing');
  if (releasing.length > 0)
    return {
      state: 'Reconciling',
      reason: 'Releasing',
      message: `releasing ${releasing.map((v) => v.displayVersion).join(', ')}`,
    };
  const live = versions.filter((v) => v.state !== 'Released' && v.state !== 'Missing').length;
  const inUse = versions.filter((v) => v.state === 'InUse').length;
  return {
    state: 'Ready',
    reason: 'Ready',
    message: `the latest version is ${latest.displayVersion}; ${String(live)} version${live === 1 ? '' : 's'}, ${String(inUse)} older one${inUse === 1 ? '' : 's'} in use`,
  };
}

/** "40.2 (latest): 1 appliance; 40.1: 2 appliances, 1 retained original" */
function usageLine(versions: readonly VersionStatus[]): string {
  const parts = versions
    .filter((v) => v.state === 'Latest' || v.state === 'InUse')
    .map((v) => `${v.displayVersion}${v.state === 'Latest' ? ' (latest)' : ''}: ${describeUsage(v.usage)}`);
  const line = parts.join('; ');
  return line.length > 1024 ? `${line.slice(0, 1021)}...` : line;
}

/** Bytes as a binary quantity, e.g. 5Gi, 64Mi, 1536Ki, 0. */
export function formatBytes(bytes: number): string {
  const units = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi'];
  let value = bytes;
  let unit = '';
  for (const u of units) {
    if (value < 1024 || value % 1024 !== 0) break;
    value /= 1024;
    unit = u;
  }
  if (unit === '' && bytes >= 1024 * 1024) {
    // Not a whole number of KiB: round to one decimal of the largest unit.
    let v = bytes;
    let i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return `${v.toFixed(1)}${units[i] ?? ''}`;
  }
  return `${String(value)}${unit}`;
}

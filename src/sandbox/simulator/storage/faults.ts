// Faults of the storage simulator: read from the annotations of the objects involved (the object
// itself first, then the VM it is about), then overridden by the `faults` option.
import { STORAGE_ANNOTATIONS as A } from './annotations.ts';

/** The faults that can apply to one object. Absent: no fault. */
export interface StorageFaults {
  /** Error message of a failing snapshot (VM snapshot or CSI VolumeSnapshot). */
  readonly snapshotFailure?: string;
  /** A CSI VolumeSnapshot's error reported once, then cleared by a retry that succeeds. */
  readonly snapshotTransientError?: string;
  /** vss: the freeze hits the VSS limit (QuiesceTimeout); error: the freeze fails until the deadline. */
  readonly quiesceFailed?: 'vss' | 'error';
  /** Volumes a VM snapshot leaves out. */
  readonly excludeVolumes?: readonly string[];
  readonly cloneFailure?: string;
  readonly restoreFailure?: string;
  readonly updateFailure?: string;
  /** The update Job succeeds without changing the component's level. */
  readonly updateNoEffect?: boolean;
  readonly syncFailure?: 'permanent' | 'transient';
  readonly jobFailure?: string;
  /** A Job's Pods stay Pending: no node fits them. */
  readonly unschedulable?: boolean;
  /** Delay of each step of this object, overriding the simulator's stepDelayMs. */
  readonly stepDelayMs?: number;
}

export interface AnnotatedObject {
  readonly kind?: string;
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly annotations?: Readonly<Record<string, string>> | null;
  } | null;
}

/** The `faults` option: extra faults for an object (a snapshot, clone, restore, Job, VM...). */
export type StorageFaultOverrides = (obj: AnnotatedObject) => Partial<StorageFaults> | undefined;

/** Faults from one object's annotations. Malformed values are ignored. */
export function faultsFromAnnotations(obj: AnnotatedObject | undefined): StorageFaults {
  const a = obj?.metadata?.annotations ?? {};
  const out: { -readonly [K in keyof StorageFaults]: StorageFaults[K] } = {};
  const message = (key: string, fallback: string): string | undefined => {
    const v = a[key];
    if (v === undefined || v === 'false' || v === '') return undefined;
    return v === 'true' ? fallback : v;
  };
  const snapshot = message(A.snapshotFailure, 'simulated snapshot failure');
  if (snapshot) out.snapshotFailure = snapshot;
  const quiesce = a[A.quiesceFailed];
  if (quiesce === 'true' || quiesce === 'vss') out.quiesceFailed = 'vss';
  else if (quiesce === 'error') out.quiesceFailed = 'error';
  const transient = message(A.snapshotTransientError, 'simulated transient snapshot error');
  if (transient) out.snapshotTransientError = transient;
  const exclude = a[A.excludeVolumes]
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (exclude && exclude.length > 0) out.excludeVolumes = exclude;
  const clone = message(A.cloneFailure, 'simulated clone failure');
  if (clone) out.cloneFailure = clone;
  const restore = message(A.restoreFailure, 'simulated restore failure');
  if (restore) out.restoreFailure = restore;
  const update = message(A.updateFailure, 'simulated update failure');
  if (update) out.updateFailure = update;
  if (a[A.updateNoEffect] === 'true') out.updateNoEffect = true;
  const sync = a[A.syncFailure];
  if (sync !== undefined && sync !== 'false' && sync !== '')
    out.syncFailure = sync === 'transient' ? 'transient' : 'permanent';
  if (a[A.unschedulable] === 'true') out.unschedulable = true;
  const job = message(A.jobFailure, 'simulated Job failure');
  if (job) out.jobFailure = job;
  const delay = a[A.stepDelayMs]?.trim();
  if (delay !== undefined && /^\d+$/.test(delay)) out.stepDelayMs = Number(delay);
  return out;
}

/**
 * The faults of `obj`: its own annotations win over those of `related` objects (e.g. the source
 * VM of a snapshot, the Job of a Pod), and the overrides (asked for each of them, the object last)
 * win over all annotations.
 */
export function faultsFor(
  obj: AnnotatedObject,
  related: readonly (AnnotatedObject | undefined)[],
  overrides?: StorageFaultOverrides,
): StorageFaults {
  const chain = [...related].reverse().filter((r): r is AnnotatedObject => r !== undefined);
  let merged: StorageFaults = {};
  for (const r of chain) merged = { ...merged, ...faultsFromAnnotations(r) };
  merged = { ...merged, ...faultsFromAnnotations(obj) };
  if (overrides) for (const o of [...chain, obj]) merged = { ...merged, ...overrides(o) };
  return merged;
}

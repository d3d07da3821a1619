// The state of each version and what releasing it takes (US20130132945A1 claim 5: the storage of
// the old portion is released once no VM uses it). Pure.
//
// A version is released only when all of these hold: it is not the latest; nothing uses it (no
// appliance, retained original, snapshot, plan, clone in flight or other VM, and no member of
// unknown version that may run it); it is not one of the keepPrevious newest superseded versions;
// it has been unused for minUnusedFor; and the policy allows it (Automatic, or Manual with the
// version approved). Until then the finalizer vapp.dev/base-image-in-use stays on its PVC or
// VolumeSnapshot (spec.release.protect), so that a deletion, CDI's garbage collection included,
// only marks it Terminating. CDI's DataImportCron garbage collection (garbageCollectOldImports in
// dataimportcron-controller.go) sorts the PVCs and VolumeSnapshots labelled with the cron by their
// lastUseTime annotation and deletes all but the importsToKeep newest, without asking whether
// anything uses them; only garbageCollect other than Outdated turns it off.
//
// Releasing: with garbageCollection Guard the finalizer is removed and the deletion, if CDI (or
// anyone) asked for one, completes; with TakeOver the operator deletes the version itself, as CDI's
// deleteDvPvc does: the import DataVolume if there is one, else the PVC, and the VolumeSnapshot.
import type { ReleasePolicy, VersionState, VersionStatus } from '../../api/v1alpha1/index.ts';
import { BASE_IMAGE_FINALIZER, type Release } from '../../api/v1alpha1/index.ts';
import type { KubeObject } from '../../runtime/object.ts';
import { metav1Time } from '../../runtime/time.ts';
import type { Tally } from './usage.ts';
import { usageTotal } from './usage.ts';

/** The live state of a version's object(s). */
export interface ObjectState {
  /** The PVC or VolumeSnapshot exists. */
  readonly exists: boolean;
  /** It is being deleted (deletionTimestamp set). */
  readonly deleting: boolean;
  readonly hasFinalizer: boolean;
  /** Its size in bytes, if known. */
  readonly bytes?: number;
}

/** A write that the release decisions need. */
export type ReleaseAction =
  | { readonly kind: 'protect'; readonly version: string }
  | { readonly kind: 'unprotect'; readonly version: string }
  | { readonly kind: 'delete'; readonly version: string };

export interface ReleaseInput {
  readonly versions: readonly VersionStatus[];
  readonly latest: string | undefined;
  readonly usage: ReadonlyMap<string, Tally>;
  readonly objects: (v: VersionStatus) => ObjectState | undefined;
  readonly release: Release;
  readonly releaseMinUnusedMs: number;
  readonly now: Date;
}

export interface ReleaseOutcome {
  readonly versions: VersionStatus[];
  readonly actions: ReleaseAction[];
  /** When a delay (minUnusedFor) runs out: look again then. */
  readonly nextAt?: Date;
  /** Versions that changed state in a way people should hear of. */
  readonly notices: readonly { readonly version: VersionStatus; readonly what: Notice }[];
}

export type Notice = 'DeletionDeferred' | 'Releasing' | 'Released' | 'Missing';

const NOBODY = {
  appliances: 0,
  retainedOriginals: 0,
  snapshots: 0,
  plans: 0,
  inFlightClones: 0,
  otherVMs: 0,
  unknown: 0,
};

export function releaseStates(input: ReleaseInput): ReleaseOutcome {
  const { release, now } = input;
  const at = metav1Time(now);
  const actions: ReleaseAction[] = [];
  const notices: { version: VersionStatus; what: Notice }[] = [];
  let nextAt: Date | undefined;
  // The keepPrevious newest superseded versions that still hold storage.
  const kept = new Set(
    input.versions
      .filter((v) => v.version !== input.latest && v.state !== 'Released' && v.state !== 'Missing')
      .slice(0, release.keepPrevious)
      .map((v) => v.version),
  );
  const versions = input.versions.map((v): VersionStatus => {
    const tally = input.usage.get(v.version);
    const usage = tally?.usage ?? NOBODY;
    const holders = [...(tally?.holders ?? [])].slice(0, 10);
    const used = usageTotal(usage) > 0;
    const obj = input.objects(v);
    const storage = v.source !== undefined && v.source.kind !== 'ContainerImage';
    const base = {
      version: v.version,
      label: v.label,
      displayVersion: v.displayVersion,
      ...(v.guestOS === undefined ? {} : { guestOS: v.guestOS }),
      ...(v.source === undefined ? {} : { source: v.source }),
      firstSeen: v.firstSeen,
      ...(v.supersededAt === undefined ? {} : { supersededAt: v.supersededAt }),
      usage,
      holders,
    };
    const unusedSince = used ? undefined : (v.unusedSince ?? at);
    const withUnused = { ...base, ...(unusedSince === undefined ? {} : { unusedSince }) };
    const bytes = obj?.bytes;
    const reclaim = v.version !== input.latest && bytes !== undefined ? { reclaimableBytes: bytes } : {};
    const state = (s: VersionState, extra: Partial<VersionStatus> = {}): VersionStatus => {
      if (s !== v.state && (s === 'Released' || s === 'Missing' || s === 'Releasing'))
        notices.push({ version: { ...withUnused, state: s }, what: s });
      return { ...withUnused, state: s, ...extra };
    };

    // Gone: released when the operator let it go, else missing (something deleted it behind our back).
    if (storage && obj?.exists !== true) {
      if (v.state === 'Released')
        return {
          ...withUnused,
          state: 'Released',
          ...(v.releasedAt ? { releasedAt: v.releasedAt } : {}),
          ...(v.releaseStartedAt ? { releaseStartedAt: v.releaseStartedAt } : {}),
        };
      if (v.releaseStartedAt !== undefined)
        return state('Released', { releaseStartedAt: v.releaseStartedAt, releasedAt: at });
      if (obj === undefined) return state('Missing', { releaseBlockedBy: 'its object is not in the cache' });
      return state('Missing', {
        releaseBlockedBy: `its ${v.source?.kind ?? 'object'} ${v.source?.namespace ?? ''}/${v.source?.name ?? ''} is gone though it was not released`,
      });
    }
    if (v.state === 'Released')
      return { ...withUnused, state: 'Released', ...(v.releasedAt ? { releasedAt: v.releasedAt } : {}) };
    const deletionRequested = storage && obj?.deleting === true;
    const flag = deletionRequested ? { deletionRequested: true } : {};
    const wantProtect = (keep: boolean): void => {
      if (!storage) return;
      if (keep && release.protect && obj?.hasFinalizer === false) actions.push({ kind: 'protect', version: v.version });
      if ((!keep || !release.protect) && obj?.hasFinalizer === true)
        actions.push({ kind: 'unprotect', version: v.version });
    };

    if (v.version === input.latest) {
      wantProtect(true);
      return state('Latest', { ...flag, ...(used ? {} : {}) });
    }
    if (used) {
      wantProtect(true);
      if (deletionRequested && v.deletionRequested !== true)
        notices.push({ version: { ...base, state: 'InUse' }, what: 'DeletionDeferred' });
      return state('InUse', {
        ...flag,
        ...reclaim,
        releaseBlockedBy: `${deletionRequested ? 'deletion requested (e.g. by CDI garbage collection) and deferred: ' : ''}in use by ${describeUsage(usage)}`,
      });
    }
    const blocked = blockedBy(v, {
      kept: kept.has(v.version),
      policy: release.policy,
      approved: release.approve.includes(v.version) || release.approve.includes(v.label),
      unusedSince: unusedSince ?? at,
      minUnusedMs: input.releaseMinUnusedMs,
      now,
    });
    if (blocked !== undefined) {
      wantProtect(true);
      if (blocked.until !== undefined && (nextAt === undefined || blocked.until < nextAt)) nextAt = blocked.until;
      return state('Retained', { ...flag, ...reclaim, releaseBlockedBy: blocked.why });
    }
    // Released: no storage of our own to free (a tag), or the finalizer goes and the deletion completes.
    if (!storage)
      return state('Released', { releaseStartedAt: v.releaseStartedAt ?? at, releasedAt: v.releasedAt ?? at });
    wantProtect(false);
    const started = { releaseStartedAt: v.releaseStartedAt ?? at };
    if (deletionRequested) return state('Releasing', { ...flag, ...reclaim, ...started });
    if (release.garbageCollection === 'TakeOver') {
      actions.push({ kind: 'delete', version: v.version });
      return state('Releasing', { ...reclaim, ...started });
    }
    return state('Releasable', {
      ...reclaim,
      ...started,
      releaseBlockedBy:
        "nothing uses it: CDI's garbage collection may delete it (spec.release.garbageCollection Guard)",
    });
  });
  return { versions, actions, notices, ...(nextAt === undefined ? {} : { nextAt }) };
}

interface BlockFacts {
  readonly kept: boolean;
  readonly policy: ReleasePolicy;
  readonly approved: boolean;
  readonly unusedSince: string;
  readonly minUnusedMs: number;
  readonly now: Date;
}

function blockedBy(v: VersionStatus, f: BlockFacts): { readonly why: string; readonly until?: Date } | undefined {
  // Only a version a newer one replaced is old: not one seen before any latest is known (the
  // DataSource not Ready yet), nor an import newer than the latest, on its way to become it.
  if (v.supersededAt === undefined) return { why: 'not superseded: no newer version has become the latest' };
  if (f.policy === 'Never') return { why: 'spec.release.policy is Never' };
  if (f.policy === 'Manual' && !f.approved)
    return { why: `unused; spec.release.policy is Manual: add ${v.version} to spec.release.approve to release it` };
  if (f.kept) return { why: 'one of the newest previous versions kept by spec.release.keepPrevious' };
  const from = Math.max(Date.parse(f.unusedSince), Date.parse(v.supersededAt));
  const until = new Date(from + f.minUnusedMs);
  if (until > f.now) return { why: `unused; released at ${metav1Time(until)} (spec.release.minUnusedFor)`, until };
  return undefined;
}

/** "2 appliances, 1 retained original" */
export function describeUsage(u: Tally['usage']): string {
  const parts: string[] = [];
  const add = (n: number, one: string, many: string) => {
    if (n > 0) parts.push(`${String(n)} ${n === 1 ? one : many}`);
  };
  add(u.appliances, 'appliance', 'appliances');
  add(u.retainedOriginals, 'retained original', 'retained originals');
  add(u.inFlightClones, 'clone in flight', 'clones in flight');
  add(u.plans, 'plan', 'plans');
  add(u.snapshots, 'VM snapshot', 'VM snapshots');
  add(u.otherVMs, 'other VM', 'other VMs');
  add(u.unknown, 'VM of unknown version', 'VMs of unknown version');
  return parts.length === 0 ? 'nothing' : parts.join(', ');
}

/** Whether an object carries the BaseImage's finalizer. */
export function protectedBy(obj: KubeObject | undefined): boolean {
  return obj?.metadata?.finalizers?.includes(BASE_IMAGE_FINALIZER) === true;
}

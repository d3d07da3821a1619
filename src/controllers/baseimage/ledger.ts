// The version ledger: the versions recorded in status merged with what the source says now. A new
// current version becomes the latest once it has stayed ready for settleSeconds (at once for tags
// and versions listed by hand); the one it replaces is superseded then. Versions are never
// forgotten while they hold storage; the oldest released ones drop off beyond the status' bound.
// Pure.
import type { BaseImageStatus, LatestVersion, VersionStatus } from '../../api/v1alpha1/index.ts';
import { metav1Time } from '../../runtime/time.ts';
import { versionLabel } from '../shared/provenance.ts';
import type { SourceReading, SourceVersion } from './source.ts';

/** status.versions is bounded: released versions beyond it drop off, oldest first. */
export const MAX_VERSIONS = 32;

export interface Ledger {
  /** Newest first; states and usage are filled in later (release.ts). */
  readonly versions: readonly VersionStatus[];
  readonly latest?: LatestVersion;
  readonly pending?: NonNullable<BaseImageStatus['pending']>;
  /** The version that became the latest in this pass. */
  readonly promoted?: string;
  /** When the pending version becomes the latest, if it stays ready. */
  readonly settlesAt?: Date;
}

export function nextLedger(
  previous: BaseImageStatus | undefined,
  reading: SourceReading,
  settleMs: number,
  now: Date,
): Ledger {
  const at = metav1Time(now);
  const versions = new Map<string, VersionStatus>();
  for (const v of previous?.versions ?? []) versions.set(v.version, v);
  const add = (sv: SourceVersion, firstSeen: string): void => {
    const old = versions.get(sv.version);
    if (old === undefined) {
      const label = versionLabel(sv.version);
      versions.set(sv.version, {
        version: sv.version,
        label,
        displayVersion: sv.displayVersion ?? label,
        ...(sv.guestOS === undefined ? {} : { guestOS: sv.guestOS }),
        ...(sv.source === undefined ? {} : { source: sv.source }),
        state: 'Retained',
        firstSeen,
        usage: {
          appliances: 0,
          retainedOriginals: 0,
          snapshots: 0,
          plans: 0,
          inFlightClones: 0,
          otherVMs: 0,
          unknown: 0,
        },
        holders: [],
      });
      return;
    }
    // The source knows the object better (its size, or a newer format of the same import).
    const source = sv.source === undefined ? old.source : { ...old.source, ...sv.source };
    versions.set(sv.version, {
      ...old,
      ...(source === undefined ? {} : { source }),
      ...(sv.displayVersion === undefined ? {} : { displayVersion: sv.displayVersion }),
      ...(sv.guestOS === undefined ? {} : { guestOS: sv.guestOS }),
    });
  };
  // Versions the source holds (imports made before the BaseImage saw them): seen when made.
  for (const sv of reading.known) if (sv.version !== reading.current?.version) add(sv, sv.created ?? at);

  let latest = previous?.latest;
  let pending = previous?.pending;
  let promoted: string | undefined;
  let settlesAt: Date | undefined;
  const current = reading.current;
  if (current !== undefined && current.version !== latest?.version) {
    const readySince = pending?.version === current.version ? pending.readySince : at;
    const due = Date.parse(readySince) + (reading.settles ? settleMs : 0);
    if (latest === undefined || due <= now.getTime()) {
      add(current, readySince);
      const promotedEntry = versions.get(current.version);
      // An import seen before it became current (while CDI imported it) was never superseded.
      if (promotedEntry?.supersededAt !== undefined) {
        const { supersededAt: _, ...rest } = promotedEntry;
        versions.set(current.version, rest);
      }
      const entry = versions.get(current.version);
      if (latest !== undefined) {
        const old = versions.get(latest.version);
        if (old !== undefined) versions.set(old.version, { ...old, supersededAt: at });
      }
      latest = {
        version: current.version,
        label: entry?.label ?? versionLabel(current.version),
        displayVersion: entry?.displayVersion ?? versionLabel(current.version),
        since: at,
      };
      promoted = current.version;
      pending = undefined;
    } else {
      pending = { version: current.version, ...(current.source ? { source: current.source } : {}), readySince };
      settlesAt = new Date(due);
    }
  } else {
    if (current !== undefined) add(current, at);
    // The source went back to the latest, or is not ready: nothing settles.
    pending = undefined;
  }
  // A tag or version dropped from the spec is superseded too (it is not the latest any more).
  // (An import newer than the latest, still on its way to become current, is not.)
  for (const v of versions.values()) {
    if (
      latest !== undefined &&
      v.version !== latest.version &&
      v.supersededAt === undefined &&
      v.version !== pending?.version &&
      v.version !== reading.current?.version &&
      !(reading.settles && Date.parse(v.firstSeen) > Date.parse(latest.since))
    )
      versions.set(v.version, { ...v, supersededAt: at });
  }
  const ordered = [...versions.values()].sort(newestFirst(latest?.version));
  return {
    versions: bound(ordered),
    ...(latest === undefined
      ? {}
      : {
          latest: { ...latest, displayVersion: versions.get(latest.version)?.displayVersion ?? latest.displayVersion },
        }),
    ...(pending === undefined ? {} : { pending }),
    ...(promoted === undefined ? {} : { promoted }),
    ...(settlesAt === undefined ? {} : { settlesAt }),
  };
}

/** The latest first, then by when each was superseded (newest first), then by when it was first seen. */
function newestFirst(latest: string | undefined) {
  return (a: VersionStatus, b: VersionStatus): number => {
    if (a.version === latest) return -1;
    if (b.version === latest) return 1;
    const sa = a.supersededAt ?? '9999';
    const sb = b.supersededAt ?? '9999';
    if (sa !== sb) return sb.localeCompare(sa);
    return b.firstSeen.localeCompare(a.firstSeen);
  };
}

/** At most MAX_VERSIONS: the oldest Released versions drop off first (versions holding storage never do). */
function bound(versions: VersionStatus[]): VersionStatus[] {
  const out = [...versions];
  for (let i = out.length - 1; out.length > MAX_VERSIONS && i >= 0; i--) {
    if (out[i]?.state === 'Released') out.splice(i, 1);
  }
  return out;
}

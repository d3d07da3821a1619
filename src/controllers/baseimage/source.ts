// What the BaseImage's source says now: the version it points at (if it is ready), the other
// versions it knows of, and whether it is up to date. Pure.
//
// For a CDI DataSource the current version is its status.source while it is Ready (CDI clears
// status.source while it is not: datasource-controller.go). The version's identity is the import's
// digest, from the DataImportCron that manages the DataSource (status.currentImports[].Digest of the
// import of that name, or its sourceDesiredDigest annotation while that import is the last one), else
// from CDI's endpoint annotation on the import PVC (`…@sha256:<digest>`), else `uid:<uid>` of the
// object, as CDI itself names a PVC source (dataimportcron-controller.go, updatePvcDesiredDigest).
// A version already in status keeps the identity it was given. The cron's other imports (its label
// on PVCs and VolumeSnapshots) are versions too, e.g. those imported before the BaseImage existed.
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { BaseImage, VersionSource, VersionStatus } from '../../api/v1alpha1/index.ts';
import {
  CDI_ANNOTATION_DESIRED_DIGEST,
  CDI_ANNOTATION_ENDPOINT,
  CDI_ANNOTATION_LAST_USE_TIME,
  CDI_LABEL_DATA_IMPORT_CRON,
  cdiCondition,
  currentImports,
  isDataSourceReady,
} from '../../kubevirt/cdi.ts';
import type { VolumeSnapshot } from '../../runtime/kinds.ts';
import type { BaseImageFacts, ObjectLookup } from './facts.ts';

/** A version as the source shows it. */
export interface SourceVersion {
  readonly version: string;
  /** Absent for a version listed by hand without a PVC or VolumeSnapshot (reachable by an update Job only). */
  readonly source?: VersionSource;
  readonly displayVersion?: string;
  readonly guestOS?: string;
  /** When the source object was made (for versions discovered after the fact). */
  readonly created?: string;
  /** CDI's lastUseTime of the import: orders discovered imports. */
  readonly lastUse?: string;
}

export interface SourceReading {
  /** The version the source points at now, when it is ready to be cloned from. */
  readonly current?: SourceVersion;
  /** Every version the source lists or holds, oldest first (containerDisk tags, explicit versions, the cron's imports). */
  readonly known: readonly SourceVersion[];
  /** Whether a new current version must first stay ready for settleSeconds (a DataSource may flip quickly). */
  readonly settles: boolean;
  /** The UpToDate condition. */
  readonly upToDate: { readonly status: 'True' | 'False'; readonly reason: string; readonly message: string };
  /** What keeps the source from being read: a missing object is Stalled, a source still importing is a wait. */
  readonly problem?: { readonly stalled: boolean; readonly reason: string; readonly message: string };
}

/** How long a new BaseImage waits for its DataSource to appear before it is Stalled. */
export const DATA_SOURCE_GRACE_MS = 60_000;

export function readSource(facts: BaseImageFacts): SourceReading {
  const { image } = facts;
  const namespace = image.metadata.namespace ?? '';
  const recorded = image.status?.versions ?? [];
  const spec = image.spec.source;
  if (spec.containerDisk !== undefined) {
    const { repository, tags } = spec.containerDisk;
    const known = tags.map((tag): SourceVersion => ({
      version: tag,
      displayVersion: tag,
      source: { kind: 'ContainerImage', name: `${repository}:${tag}` },
    }));
    return {
      ...(known.length > 0 ? { current: known[known.length - 1] } : {}),
      known,
      settles: false,
      upToDate: { status: 'True', reason: 'UpToDate', message: `the latest tag is ${tags[tags.length - 1] ?? ''}` },
    };
  }
  if (spec.explicit !== undefined) {
    const known = spec.explicit.versions.map((v): SourceVersion => {
      const object = v.pvc ?? v.snapshot;
      const source: VersionSource | undefined =
        object === undefined
          ? undefined
          : {
              kind: v.pvc !== undefined ? 'PersistentVolumeClaim' : 'VolumeSnapshot',
              namespace: object.namespace ?? namespace,
              name: object.name,
            };
      return {
        version: v.version,
        ...(source === undefined ? {} : { source }),
        ...(v.displayVersion === undefined ? {} : { displayVersion: v.displayVersion }),
        ...(v.guestOS === undefined ? {} : { guestOS: v.guestOS }),
      };
    });
    const last = spec.explicit.versions[spec.explicit.versions.length - 1];
    const current = known[known.length - 1];
    const missing = current?.source !== undefined ? objectProblem(facts.objects, current.source) : undefined;
    return {
      ...(current !== undefined && missing === undefined ? { current } : {}),
      known,
      settles: false,
      upToDate:
        missing === undefined
          ? { status: 'True', reason: 'UpToDate', message: `the latest version is ${last?.version ?? ''}` }
          : { status: 'False', reason: 'SourceNotReady', message: missing },
      ...(missing === undefined ? {} : { problem: { stalled: false, reason: 'SourceNotReady', message: missing } }),
    };
  }
  // A CDI DataSource.
  const dsName = spec.dataSource?.name ?? '';
  const ds = facts.dataSource;
  if (ds === undefined) {
    const message = `DataSource ${namespace}/${dsName} not found`;
    // A DataImportCron creates its DataSource on its first pass: a new BaseImage waits a little first.
    const created = Date.parse(image.metadata.creationTimestamp ?? '');
    const young = Number.isFinite(created) && facts.now.getTime() - created < DATA_SOURCE_GRACE_MS;
    return {
      known: [],
      settles: true,
      upToDate: { status: 'False', reason: 'DataSourceNotFound', message },
      problem: { stalled: !young, reason: 'DataSourceNotFound', message },
    };
  }
  const cron = facts.cron;
  const imports = currentImports(cron);
  // Where CDI keeps imports as VolumeSnapshots, the import PVC of the same name is transient (CDI
  // deletes it once the snapshot is ready): the snapshot is the version's object.
  const snapshotNames = new Set(facts.importSnapshots.map((x) => x.metadata?.name));
  const known = [
    ...facts.importPvcs
      .filter((p) => !snapshotNames.has(p.metadata?.name))
      .map((p) => fromObject(facts, 'PersistentVolumeClaim', p, recorded)),
    ...facts.importSnapshots.map((x) => fromObject(facts, 'VolumeSnapshot', x, recorded)),
  ]
    .filter((v) => v !== undefined)
    .sort((a, b) => (a.lastUse ?? a.created ?? '').localeCompare(b.lastUse ?? b.created ?? ''));
  const resolved = ds.status?.source;
  const ref =
    resolved?.snapshot !== undefined
      ? {
          kind: 'VolumeSnapshot' as const,
          namespace: resolved.snapshot.namespace || namespace,
          name: resolved.snapshot.name,
        }
      : resolved?.pvc !== undefined
        ? {
            kind: 'PersistentVolumeClaim' as const,
            namespace: resolved.pvc.namespace || namespace,
            name: resolved.pvc.name,
          }
        : undefined;
  const dsReady = cdiCondition(ds.status?.conditions, 'Ready');
  if (!isDataSourceReady(ds) || ref === undefined) {
    const message = `DataSource ${namespace}/${dsName} is not Ready: ${dsReady?.message ?? dsReady?.reason ?? 'no Ready condition yet'}`;
    return {
      known,
      settles: true,
      upToDate: { status: 'False', reason: dsReady?.reason || 'DataSourceNotReady', message },
      problem: { stalled: false, reason: 'DataSourceNotReady', message },
    };
  }
  const object =
    ref.kind === 'VolumeSnapshot'
      ? facts.objects.snapshot(ref.namespace, ref.name)
      : facts.objects.pvc(ref.namespace, ref.name);
  const current =
    object === undefined
      ? undefined
      : (fromObject(facts, ref.kind, object, recorded) ?? {
          version: `uid:${object.metadata?.uid ?? ''}`,
          source: { ...ref, ...(object.metadata?.uid ? { uid: object.metadata.uid } : {}) },
        });
  const cronUpToDate = cdiCondition(cron?.status?.conditions, 'UpToDate');
  const desired = cron?.metadata?.annotations?.[CDI_ANNOTATION_DESIRED_DIGEST];
  const behind =
    cron !== undefined &&
    (cronUpToDate?.status !== 'True' ||
      (desired !== undefined && imports[0] !== undefined && imports[0].digest !== desired));
  return {
    ...(current === undefined ? {} : { current }),
    known,
    settles: true,
    upToDate: behind
      ? {
          status: 'False',
          reason: cronUpToDate?.reason || 'ImportInProgress',
          message: `DataImportCron ${namespace}/${cron.metadata?.name ?? ''}: ${cronUpToDate?.message ?? 'a newer import is in progress'}`,
        }
      : {
          status: 'True',
          reason: 'UpToDate',
          message: `DataSource ${namespace}/${dsName} points at ${ref.kind} ${ref.name}`,
        },
    ...(current === undefined
      ? {
          problem: {
            stalled: false,
            reason: 'SourceNotFound',
            message: `DataSource ${namespace}/${dsName} points at ${ref.kind} ${ref.namespace}/${ref.name}, which is not in the cache yet`,
          },
        }
      : {}),
  };
}

type Importish = V1PersistentVolumeClaim | VolumeSnapshot;

/** The version an import object holds: as recorded, from the cron, from CDI's endpoint annotation, else by uid. */
function fromObject(
  facts: BaseImageFacts,
  kind: 'PersistentVolumeClaim' | 'VolumeSnapshot',
  obj: Importish,
  recorded: readonly VersionStatus[],
): SourceVersion | undefined {
  const meta = obj.metadata;
  const name = meta?.name;
  if (name === undefined) return undefined;
  const namespace = meta?.namespace ?? '';
  const uid = meta?.uid;
  const size =
    kind === 'VolumeSnapshot'
      ? (obj as VolumeSnapshot).status?.restoreSize
      : ((obj as V1PersistentVolumeClaim).status?.capacity?.storage ??
        (obj as V1PersistentVolumeClaim).spec?.resources?.requests?.storage);
  const source: VersionSource = {
    kind,
    namespace,
    name,
    ...(uid === undefined ? {} : { uid }),
    ...(size === undefined ? {} : { size }),
  };
  const created = meta?.creationTimestamp === undefined ? undefined : String(meta.creationTimestamp);
  const lastUse = meta?.annotations?.[CDI_ANNOTATION_LAST_USE_TIME];
  const extra = { ...(created === undefined ? {} : { created }), ...(lastUse === undefined ? {} : { lastUse }) };
  // Both formats of one import (a PVC and the VolumeSnapshot CDI takes of it) share its name: one version.
  const same = recorded.find(
    (v) =>
      v.source !== undefined &&
      v.source.kind !== 'ContainerImage' &&
      v.source.name === name &&
      (v.source.namespace ?? namespace) === namespace,
  );
  if (same !== undefined) return { version: same.version, source, ...extra };
  const digest = currentImports(facts.cron).find((i) => i.name === name)?.digest;
  if (digest !== undefined && digest !== '') return { version: digest, source, ...extra };
  const lastImported = facts.cron?.status?.lastImportedPVC?.name;
  const desired = facts.cron?.metadata?.annotations?.[CDI_ANNOTATION_DESIRED_DIGEST];
  if (lastImported === name && desired !== undefined && currentImports(facts.cron).length === 0)
    return { version: desired, source, ...extra };
  const endpoint = meta?.annotations?.[CDI_ANNOTATION_ENDPOINT];
  const fromEndpoint = endpoint === undefined ? undefined : /@(sha256:[0-9a-f]{64})/.exec(endpoint)?.[1];
  if (fromEndpoint !== undefined) return { version: fromEndpoint, source, ...extra };
  if (uid === undefined) return undefined;
  return { version: `uid:${uid}`, source, ...extra };
}

function objectProblem(objects: ObjectLookup, source: VersionSource): string | undefined {
  const namespace = source.namespace ?? '';
  if (source.kind === 'PersistentVolumeClaim') {
    const pvc = objects.pvc(namespace, source.name);
    if (pvc === undefined) return `PersistentVolumeClaim ${namespace}/${source.name} not found`;
    if (pvc.status?.phase !== 'Bound') return `PersistentVolumeClaim ${namespace}/${source.name} is not Bound`;
    return undefined;
  }
  if (source.kind === 'VolumeSnapshot') {
    const vs = objects.snapshot(namespace, source.name);
    if (vs === undefined) return `VolumeSnapshot ${namespace}/${source.name} not found`;
    if (vs.status?.readyToUse !== true) return `VolumeSnapshot ${namespace}/${source.name} is not ready to use`;
  }
  return undefined;
}

/** The cron that manages a DataSource: its cdi.kubevirt.io/dataImportCron label. */
export function cronOf(
  image: BaseImage,
  ds: { metadata?: { labels?: Record<string, string> } } | undefined,
): string | undefined {
  if (image.spec.source.dataSource === undefined) return undefined;
  return ds?.metadata?.labels?.[CDI_LABEL_DATA_IMPORT_CRON];
}

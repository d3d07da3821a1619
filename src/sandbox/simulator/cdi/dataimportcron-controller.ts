// The simulated CDI DataImportCron controller and its source poller (upstream
// pkg/controller/dataimportcron-controller.go: update, createImportDataVolume, handleSnapshot,
// updateDataSource, garbageCollectOldImports).
//
// The poller stands for CDI's cdi-source-update-poller CronJob: it sets the annotation
// cdi.kubevirt.io/storage.import.sourceDesiredDigest to the digest the simulated registry has for
// the cron's registry URL (registry.ts; a user "publishes" with the sim.vapp.dev/registry-version
// annotation). Simplification: the sandbox polls whenever the cron changes and every minute rather
// than at spec.schedule's times; an empty schedule disables polling, as in CDI (the annotation can
// then be set by hand). The controller then does what CDI does:
// - a desired digest not yet imported: a DataVolume `<managedDataSource>-<first 12 hex>` importing
//   `<url>@<digest>`, labelled with the cron, annotated lastUseTime, recorded in currentImports;
// - the import done: the PVC's lastUseTime is refreshed (updateSource), with format snapshot a
//   VolumeSnapshot of the same name is taken and, once ready, the DataVolume and PVC are deleted;
//   status.lastImportedPVC is set and the managed DataSource's spec.source points at the import;
// - garbage collection (garbageCollect Outdated, the default): the PVCs and VolumeSnapshots
//   labelled with the cron are sorted by lastUseTime, newest first, and all but importsToKeep
//   (default 3) are deleted, the DataVolume first, else the PVC (deleteDvPvc). Nothing asks
//   whether a VM still uses them;
// - conditions Progressing and UpToDate with CDI's reasons.
// CDI reconciles on the cron's changes, on DataVolume and DataSource updates and deletions, and
// on PVC and VolumeSnapshot deletions only (their creations and updates are filtered out).
import type { ControllerDefinition, MapFunc, ReconcileResult } from '../../../runtime/controller.ts';
import { enqueueByLabel } from '../../../runtime/controller.ts';
import { isAlreadyExists, isConflict } from '../../../runtime/errors.ts';
import {
  CDI_ANNOTATION_DESIRED_DIGEST,
  CDI_ANNOTATION_LAST_CRON_TIME,
  CDI_ANNOTATION_LAST_USE_TIME,
  CDI_DEFAULT_IMPORTS_TO_KEEP,
  CDI_LABEL_DATA_IMPORT_CRON,
} from '../../../kubevirt/cdi.ts';
import { cached, cachedList, isoNow, type StorageContext } from '../storage/context.ts';
import {
  kubevirtSnapshotClass,
  storageClassOf,
  type StorageClassJson,
  type VolumeSnapshotClassJson,
} from '../storage/classes.ts';
import type { PvcJson, VolumeSnapshotJson } from '../storage/json.ts';
import { STORAGE_RESOURCES as R } from '../storage/resources.ts';
import { CDI_SIM_ANNOTATIONS, type SimRegistry } from './registry.ts';
import { CDI_RESOURCES as C, type DataImportCron, type DataSource, type DataVolume } from './resources.ts';

/** The VolumeSnapshotClass CDI gives a snapshot of `pvc`: its driver's (none when there is none). */
function snapshotClassOf(ctx: StorageContext, pvc: PvcJson): { volumeSnapshotClassName?: string } {
  const driver = storageClassOf(pvc, cachedList<StorageClassJson>(ctx, R.storageClasses))?.provisioner;
  const name = kubevirtSnapshotClass(driver, cachedList<VolumeSnapshotClassJson>(ctx, R.volumeSnapshotClasses))
    ?.metadata?.name;
  return name === undefined ? {} : { volumeSnapshotClassName: name };
}
const POLL_MS = 60_000;

type CronStatus = NonNullable<DataImportCron['status']>;

/** CDI's createDvName: the DataSource's name and the first 12 characters of the digest after its prefix. */
export function importName(dataSource: string, digest: string): string | undefined {
  const m = /^(sha256:|uid:)(.{12})/.exec(digest);
  return m?.[2] === undefined ? undefined : `${dataSource}-${m[2]}`;
}

/** The objects garbage collection deletes: all but the `keep` newest by lastUseTime (garbageCollectPVCs, garbageCollectSnapshots). */
export function collectable<T extends { metadata?: { annotations?: Record<string, string> | null } | null }>(
  items: readonly T[],
  keep: number,
): T[] {
  if (items.length <= keep) return [];
  const last = (o: T) => o.metadata?.annotations?.[CDI_ANNOTATION_LAST_USE_TIME] ?? '';
  return [...items].sort((a, b) => (last(a) > last(b) ? -1 : last(a) < last(b) ? 1 : 0)).slice(keep);
}

export function dataImportCronController(ctx: StorageContext, registry: SimRegistry): ControllerDefinition {
  const byCron = enqueueByLabel(CDI_LABEL_DATA_IMPORT_CRON);
  const onDelete: MapFunc = (o, event) => (event === 'delete' ? byCron(o, event) : []);
  const onUpdateOrDelete: MapFunc = (o, event) => (event === 'add' ? [] : byCron(o, event));

  return {
    name: 'cdi-simulator-dataimportcron',
    watches: [
      { resource: C.dataImportCrons },
      { resource: C.dataVolumes, map: onUpdateOrDelete },
      { resource: C.dataSources, map: onUpdateOrDelete },
      { resource: R.pvcs, map: onDelete, updatePredicate: () => false },
      { resource: R.volumeSnapshots, map: onDelete, updatePredicate: () => false },
    ],
    reconcile: async (req, rctx): Promise<ReconcileResult | undefined> => {
      const ns = req.namespace ?? '';
      const cron = cached<DataImportCron>(ctx, C.dataImportCrons, ns, req.name);
      if (cron === undefined || cron.metadata?.deletionTimestamp) return undefined;
      const now = isoNow(ctx);
      const annotations = { ...(cron.metadata?.annotations ?? {}) };

      // The poller: the registry's digest for the URL becomes the desired digest.
      const url = cron.spec.template.spec.source?.registry?.url;
      if (url !== undefined && cron.spec.schedule !== '') {
        const image = registry.publish(url, annotations[CDI_SIM_ANNOTATIONS.registryVersion]);
        if (annotations[CDI_ANNOTATION_DESIRED_DIGEST] !== image.digest) {
          try {
            await ctx.api.patch(
              C.dataImportCrons,
              ns,
              req.name,
              {
                metadata: {
                  annotations: {
                    [CDI_ANNOTATION_DESIRED_DIGEST]: image.digest,
                    [CDI_ANNOTATION_LAST_CRON_TIME]: now.replace(/\.\d+Z$/, 'Z'),
                  },
                },
              },
              { resourceVersion: cron.metadata?.resourceVersion ?? '' },
            );
          } catch (err) {
            if (isConflict(err)) return { requeue: true };
            throw err;
          }
          rctx.log.debug('new source digest', { cron: req.name, digest: image.digest, version: image.version });
          return undefined;
        }
      }

      const status: CronStatus = structuredClone(cron.status ?? {});
      let imports = status.currentImports ?? [];
      const current = imports[0]?.DataVolumeName;
      const dv = current === undefined ? undefined : cached<DataVolume>(ctx, C.dataVolumes, ns, current);
      const pvc = current === undefined ? undefined : cached<PvcJson>(ctx, R.pvcs, ns, current);
      const snapshot =
        current === undefined ? undefined : cached<VolumeSnapshotJson>(ctx, R.volumeSnapshots, ns, current);
      const format = annotations[CDI_SIM_ANNOTATIONS.sourceFormat] === 'snapshot' ? 'snapshot' : 'pvc';
      let importSucceeded = false;
      const setCondition = (type: string, s: 'True' | 'False', message: string, reason: string) => {
        const list = status.conditions ?? [];
        const old = list.find((c) => c.type === type);
        const next = {
          type,
          status: s,
          message,
          reason,
          lastTransitionTime: old?.status === s && old.lastTransitionTime ? old.lastTransitionTime : now,
          lastHeartbeatTime:
            old?.status === s && old.message === message && old.reason === reason && old.lastHeartbeatTime
              ? old.lastHeartbeatTime
              : now,
        };
        status.conditions = [...list.filter((c) => c.type !== type), next] as CronStatus['conditions'];
      };
      const updateSource = async (ref: typeof R.pvcs | typeof R.volumeSnapshots, name: string) => {
        await ctx.api.patch(ref, ns, name, {
          metadata: {
            annotations: { [CDI_ANNOTATION_LAST_USE_TIME]: now },
            labels: { [CDI_LABEL_DATA_IMPORT_CRON]: req.name },
          },
        });
      };
      let requeue: number | undefined;

      const handlePopulatedPvc = async () => {
        if (pvc !== undefined && current !== undefined) await updateSource(R.pvcs, current);
        importSucceeded = true;
        if (format === 'snapshot' && pvc !== undefined && current !== undefined) {
          if (snapshot === undefined) {
            try {
              await ctx.api.create(R.volumeSnapshots, ns, {
                apiVersion: 'snapshot.storage.k8s.io/v1',
                kind: 'VolumeSnapshot',
                metadata: {
                  name: current,
                  namespace: ns,
                  labels: {
                    [CDI_LABEL_DATA_IMPORT_CRON]: req.name,
                    'app.kubernetes.io/component': 'storage',
                    'cdi.kubevirt.io': '',
                  },
                  annotations: { [CDI_ANNOTATION_LAST_USE_TIME]: now },
                },
                spec: {
                  source: { persistentVolumeClaimName: current },
                  // CDI names the class of the claim's driver (its StorageProfile's, else the driver's
                  // only or default one: pkg/controller/common GetSnapshotClassForSmartClone).
                  ...snapshotClassOf(ctx, pvc),
                },
              });
            } catch (err) {
              if (!isAlreadyExists(err)) throw err;
            }
          } else if (snapshot.status?.readyToUse === true) {
            await deleteDvPvc(ctx, ns, current);
          } else requeue = 500; // the snapshot's readiness reaches CDI through the DataSource; the sandbox looks again too
        }
      };

      if (dv !== undefined) {
        switch (dv.status?.phase) {
          case 'Succeeded':
            await handlePopulatedPvc();
            break;
          case 'ImportScheduled':
            setCondition('Progressing', 'False', 'Import is scheduled', 'ImportScheduled');
            break;
          case 'ImportInProgress':
            setCondition('Progressing', 'True', 'Import is progressing', 'ImportProgressing');
            break;
          default:
            setCondition(
              'Progressing',
              'False',
              `Import DataVolume phase ${dv.status?.phase ?? ''}`,
              dv.status?.phase ?? '',
            );
        }
      } else if (pvc !== undefined && pvc.status?.phase === 'Bound') {
        await handlePopulatedPvc();
      } else if (snapshot !== undefined && current !== undefined) {
        if (format === 'pvc') {
          await ctx.api.delete(R.volumeSnapshots, ns, current);
          return { requeueAfterMs: 1_000 };
        }
        await updateSource(R.volumeSnapshots, current);
        importSucceeded = true;
      } else {
        if (imports.length > 0) {
          imports = imports.slice(1);
          status.currentImports = imports;
        }
        setCondition('Progressing', 'False', 'No current import', 'NoImport');
      }

      if (importSucceeded && current !== undefined) {
        if (status.lastImportedPVC?.name !== current || status.lastImportedPVC.namespace !== ns) {
          status.lastImportedPVC = { namespace: ns, name: current };
          status.lastImportTimestamp = now;
        }
        setCondition('Progressing', 'False', 'No current import', 'NoImport');
        await garbageCollect(ctx, cron);
      }

      await updateDataSource(ctx, cron, format, status);

      const desired = annotations[CDI_ANNOTATION_DESIRED_DIGEST];
      const digestUpdated =
        desired !== undefined && desired !== '' && (imports.length === 0 || desired !== imports[0]?.Digest);
      if (digestUpdated) {
        setCondition('UpToDate', 'False', 'Source digest updated since last import', 'Outdated');
        if (importSucceeded || imports.length === 0) {
          const name = importName(cron.spec.managedDataSource, desired);
          if (name !== undefined) {
            const existing =
              cached<VolumeSnapshotJson>(ctx, R.volumeSnapshots, ns, name) ?? cached<PvcJson>(ctx, R.pvcs, ns, name);
            if (existing !== undefined) {
              // The digest came back: its import object is reused, as createImportDataVolume does.
              await updateSource(
                cached(ctx, R.volumeSnapshots, ns, name) !== undefined ? R.volumeSnapshots : R.pvcs,
                name,
              );
            } else {
              try {
                await ctx.api.create(C.dataVolumes, ns, importDataVolume(cron, name, desired, now));
              } catch (err) {
                if (!isAlreadyExists(err)) throw err;
              }
            }
            status.currentImports = [{ DataVolumeName: name, Digest: desired }];
          }
        }
      } else if (importSucceeded) {
        status.sourceFormat = format;
        if (format === 'pvc') setCondition('UpToDate', 'True', 'Latest import is up to date', 'UpToDate');
        else if (snapshot?.status?.readyToUse === true)
          setCondition('UpToDate', 'True', 'Latest import is up to date', 'UpToDate');
        else setCondition('UpToDate', 'False', 'Snapshot of imported data is progressing', 'ImportProgressing');
      } else if (imports.length > 0) {
        setCondition('UpToDate', 'False', 'Import is progressing', 'ImportProgressing');
      } else {
        setCondition('UpToDate', 'False', 'No source digest', 'NoDigest');
      }
      const lastCron = annotations[CDI_ANNOTATION_LAST_CRON_TIME];
      if (lastCron !== undefined) status.lastExecutionTimestamp = lastCron;

      if (JSON.stringify(status) !== JSON.stringify(cron.status ?? {})) {
        try {
          await ctx.api.patch(
            C.dataImportCrons,
            ns,
            req.name,
            { status },
            { resourceVersion: cron.metadata?.resourceVersion ?? '' },
          );
        } catch (err) {
          if (isConflict(err)) return { requeue: true };
          throw err;
        }
      }
      return { requeueAfterMs: requeue ?? POLL_MS };
    },
  };
}

/** The import DataVolume of a digest (newSourceDataVolume): the cron's template, its URL pinned to the digest. */
function importDataVolume(cron: DataImportCron, name: string, digest: string, now: string): DataVolume {
  const template = structuredClone(cron.spec.template);
  const url = template.spec.source?.registry?.url;
  const pinned = url === undefined ? undefined : `${url.replace(/@.*$/, '').replace(/:(?!\/\/)[^/:]*$/, '')}@${digest}`;
  return {
    apiVersion: 'cdi.kubevirt.io/v1beta1',
    kind: 'DataVolume',
    metadata: {
      name,
      namespace: cron.metadata?.namespace ?? '',
      labels: { ...(template.metadata?.labels ?? {}), [CDI_LABEL_DATA_IMPORT_CRON]: cron.metadata?.name ?? '' },
      annotations: {
        ...(template.metadata?.annotations ?? {}),
        'cdi.kubevirt.io/storage.bind.immediate.requested': 'true',
        [CDI_ANNOTATION_LAST_USE_TIME]: now,
      },
    },
    spec: {
      ...template.spec,
      ...(pinned === undefined
        ? {}
        : { source: { ...template.spec.source, registry: { ...template.spec.source?.registry, url: pinned } } }),
    },
  };
}

/** deleteDvPvc: the DataVolume, else (it is gone) the PVC. */
async function deleteDvPvc(ctx: StorageContext, ns: string, name: string): Promise<void> {
  if (cached(ctx, C.dataVolumes, ns, name) !== undefined) await ctx.api.delete(C.dataVolumes, ns, name);
  else await ctx.api.delete(R.pvcs, ns, name);
}

/** garbageCollectOldImports. */
async function garbageCollect(ctx: StorageContext, cron: DataImportCron): Promise<void> {
  const gc = cron.spec.garbageCollect;
  if (gc !== undefined && gc !== 'Outdated') return;
  const ns = cron.metadata?.namespace ?? '';
  const name = cron.metadata?.name ?? '';
  const keep =
    cron.spec.importsToKeep !== undefined && cron.spec.importsToKeep >= 0
      ? cron.spec.importsToKeep
      : CDI_DEFAULT_IMPORTS_TO_KEEP;
  const labelled = <T extends { metadata?: { labels?: Record<string, string> | null } | null }>(list: T[]) =>
    list.filter((o) => o.metadata?.labels?.[CDI_LABEL_DATA_IMPORT_CRON] === name);
  for (const pvc of collectable(labelled(cachedList<PvcJson>(ctx, R.pvcs, ns)), keep)) {
    const n = pvc.metadata?.name ?? '';
    ctx.log.info('CDI garbage collection: deleting dv/pvc', { name: n });
    await deleteDvPvc(ctx, ns, n);
  }
  for (const snap of collectable(labelled(cachedList<VolumeSnapshotJson>(ctx, R.volumeSnapshots, ns)), keep)) {
    const n = snap.metadata?.name ?? '';
    ctx.log.info('CDI garbage collection: deleting snapshot', { name: n });
    await ctx.api.delete(R.volumeSnapshots, ns, n);
  }
}

/** updateDataSource: the managed DataSource (created if missing) points at the last import in the cron's format. */
async function updateDataSource(
  ctx: StorageContext,
  cron: DataImportCron,
  format: 'pvc' | 'snapshot',
  status: CronStatus,
): Promise<void> {
  const ns = cron.metadata?.namespace ?? '';
  const name = cron.spec.managedDataSource;
  const cronName = cron.metadata?.name ?? '';
  let ds = cached<DataSource>(ctx, C.dataSources, ns, name);
  if (ds === undefined) {
    try {
      ds = await ctx.api.create<DataSource>(C.dataSources, ns, {
        apiVersion: 'cdi.kubevirt.io/v1beta1',
        kind: 'DataSource',
        metadata: { name, namespace: ns, labels: { [CDI_LABEL_DATA_IMPORT_CRON]: cronName } },
        spec: { source: {} },
      });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      return;
    }
  }
  if (ds.metadata?.labels?.[CDI_LABEL_DATA_IMPORT_CRON] !== cronName) return; // not managed by this cron
  const last = status.lastImportedPVC;
  if (last === undefined) return;
  const source =
    format === 'pvc'
      ? { pvc: { namespace: last.namespace, name: last.name } }
      : { snapshot: { namespace: last.namespace, name: last.name } };
  if (JSON.stringify(ds.spec.source) === JSON.stringify(source)) return;
  await ctx.api.patch(C.dataSources, ns, name, {
    spec: {
      source: {
        pvc: 'pvc' in source ? source.pvc : null,
        snapshot: 'snapshot' in source ? source.snapshot : null,
        dataSource: null,
      },
    },
  });
}

// The simulated CDI DataSource controller (upstream pkg/controller/datasource-controller.go):
// spec.source (a PVC, a VolumeSnapshot, or one hop through another DataSource of the same
// namespace) is resolved into status.source, with Ready True once the PVC exists (and its import
// DataVolume, if any, Succeeded) or the snapshot is ready to use. status.source is cleared while
// the DataSource is not Ready, so consumers read status.source together with Ready.
import type { ControllerDefinition, ReconcileResult } from '../../../runtime/controller.ts';
import { isConflict } from '../../../runtime/errors.ts';
import { cached, isoNow, type StorageContext } from '../storage/context.ts';
import type { PvcJson, VolumeSnapshotJson } from '../storage/json.ts';
import { STORAGE_RESOURCES as R } from '../storage/resources.ts';
import { CDI_RESOURCES as C, type DataSource, type DataVolume } from './resources.ts';

const BY_SOURCE = 'sim-datasource-by-source';

type Source = NonNullable<DataSource['status']>['source'];
interface Ready {
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

/** What the DataSource resolves to and whether it is Ready. Pure, over lookups of the cache. */
export function resolveDataSource(
  ds: DataSource,
  get: {
    dataSource(ns: string, name: string): DataSource | undefined;
    pvc(ns: string, name: string): PvcJson | undefined;
    dataVolume(ns: string, name: string): DataVolume | undefined;
    snapshot(ns: string, name: string): VolumeSnapshotJson | undefined;
  },
): { readonly source: Source; readonly ready: Ready } {
  const ns = ds.metadata?.namespace ?? '';
  let resolved = ds.spec.source;
  const hop = ds.spec.source.dataSource;
  if (hop !== undefined) {
    const hopNs = hop.namespace || ns;
    if (hopNs !== ns)
      return {
        source: {},
        ready: {
          status: 'False',
          reason: 'CrossNamespaceReference',
          message: 'DataSource cannot reference a DataSource in another namespace',
        },
      };
    if (hop.name === ds.metadata?.name)
      return {
        source: {},
        ready: { status: 'False', reason: 'SelfReference', message: 'DataSource cannot self-reference' },
      };
    const target = get.dataSource(hopNs, hop.name);
    if (target === undefined)
      return {
        source: {},
        ready: { status: 'False', reason: 'NotFound', message: `datasources.cdi.kubevirt.io "${hop.name}" not found` },
      };
    if (target.spec.source.dataSource !== undefined)
      return {
        source: {},
        ready: {
          status: 'False',
          reason: 'MaxReferenceDepthReached',
          message: 'DataSource reference chain exceeds maximum depth of 1',
        },
      };
    resolved = target.spec.source;
  }
  const ok: Ready = { status: 'True', reason: 'Ready', message: 'DataSource is ready to be consumed' };
  let ready: Ready;
  if (resolved.pvc !== undefined) {
    const pNs = resolved.pvc.namespace || ns;
    const pvc = get.pvc(pNs, resolved.pvc.name);
    const dv = get.dataVolume(pNs, resolved.pvc.name);
    if (dv === undefined)
      ready = pvc === undefined ? { status: 'False', reason: 'NotFound', message: 'PVC not found' } : ok;
    else if (dv.status?.phase === 'Succeeded') ready = ok;
    else
      ready = {
        status: 'False',
        reason: dv.status?.phase ?? '',
        message: `Import DataVolume phase ${dv.status?.phase ?? ''}`,
      };
  } else if (resolved.snapshot !== undefined) {
    const snap = get.snapshot(resolved.snapshot.namespace || ns, resolved.snapshot.name);
    if (snap === undefined) ready = { status: 'False', reason: 'NotFound', message: 'Snapshot not found' };
    else if (snap.status?.readyToUse === true) ready = ok;
    else ready = { status: 'False', reason: 'SnapshotNotReady', message: 'Snapshot phase is not ready' };
  } else {
    ready = { status: 'False', reason: 'NoSource', message: 'No source PVC set' };
  }
  const source: Source =
    ready.status === 'True'
      ? {
          ...(resolved.pvc ? { pvc: resolved.pvc } : {}),
          ...(resolved.snapshot ? { snapshot: resolved.snapshot } : {}),
        }
      : {};
  return { source, ready };
}

export function dataSourceController(ctx: StorageContext): ControllerDefinition {
  const sources = ctx.informer(C.dataSources).store;
  if (!sources.hasIndex(BY_SOURCE)) {
    sources.addIndex(BY_SOURCE, (o) => {
      const ds = o as unknown as DataSource;
      const ns = ds.metadata?.namespace ?? '';
      const s = ds.spec.source;
      return [
        ...(s.pvc ? [`${s.pvc.namespace || ns}/${s.pvc.name}`] : []),
        ...(s.snapshot ? [`${s.snapshot.namespace || ns}/${s.snapshot.name}`] : []),
        ...(s.dataSource ? [`ds:${s.dataSource.namespace || ns}/${s.dataSource.name}`] : []),
      ];
    });
  }
  const referring = (prefix: string) => (o: { metadata?: { namespace?: string; name?: string } }) =>
    sources
      .byIndex(BY_SOURCE, `${prefix}${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`)
      .map((d) => ({ namespace: d.metadata?.namespace ?? '', name: d.metadata?.name ?? '' }));
  const get = {
    dataSource: (ns: string, n: string) => cached<DataSource>(ctx, C.dataSources, ns, n),
    pvc: (ns: string, n: string) => cached<PvcJson>(ctx, R.pvcs, ns, n),
    dataVolume: (ns: string, n: string) => cached<DataVolume>(ctx, C.dataVolumes, ns, n),
    snapshot: (ns: string, n: string) => cached<VolumeSnapshotJson>(ctx, R.volumeSnapshots, ns, n),
  };
  return {
    name: 'cdi-simulator-datasource',
    watches: [
      { resource: C.dataSources },
      { resource: C.dataSources, map: (o) => referring('ds:')(o) },
      { resource: R.pvcs, map: (o) => referring('')(o) },
      { resource: C.dataVolumes, map: (o) => referring('')(o) },
      { resource: R.volumeSnapshots, map: (o) => referring('')(o) },
    ],
    reconcile: async (req): Promise<ReconcileResult | undefined> => {
      const ns = req.namespace ?? '';
      const ds = get.dataSource(ns, req.name);
      if (ds === undefined || ds.metadata?.deletionTimestamp) return undefined;
      const { source, ready } = resolveDataSource(ds, get);
      const old = ds.status?.conditions?.find((c) => c.type === 'Ready');
      const same =
        JSON.stringify(ds.status?.source ?? {}) === JSON.stringify(source) &&
        old?.status === ready.status &&
        old.reason === ready.reason &&
        old.message === ready.message;
      if (same) return undefined;
      const now = isoNow(ctx);
      const condition = {
        type: 'Ready',
        ...ready,
        lastTransitionTime: old?.status === ready.status && old.lastTransitionTime ? old.lastTransitionTime : now,
        lastHeartbeatTime: now,
      };
      try {
        // No status subresource upstream: the controller updates the whole object.
        // A merge patch: the keys of a source no longer there are removed with null.
        const patchSource = { pvc: source?.pvc ?? null, snapshot: source?.snapshot ?? null, dataSource: null };
        await ctx.api.patch(
          C.dataSources,
          ns,
          req.name,
          { status: { source: patchSource, conditions: [condition] } },
          { resourceVersion: ds.metadata?.resourceVersion ?? '' },
        );
      } catch (err) {
        if (isConflict(err)) return { requeue: true };
        throw err;
      }
      return undefined;
    },
  };
}

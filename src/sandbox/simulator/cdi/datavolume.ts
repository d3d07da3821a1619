// Pure decisions of the simulated CDI DataVolume controllers (upstream
// pkg/controller/datavolume/import-controller.go, pvc-clone-controller.go,
// snapshot-clone-controller.go, clone-controller-base.go, conditions.go): what a DataVolume is,
// the PVC it gets, and its status in each phase, with CDI's phase names and Bound / Ready / Running
// conditions.
import { CDI_ANNOTATION_ENDPOINT, CDI_ANNOTATION_SOURCE, CDI_GROUP } from '../../../kubevirt/cdi.ts';
import type { PvcJson } from '../storage/json.ts';
import {
  CDI_ANNOTATION_DATA_SOURCE_NAMESPACE,
  CDI_ANNOTATION_POD_PHASE,
  CDI_ANNOTATION_POPULATOR_KIND,
  type DataSource,
  type DataVolume,
} from './resources.ts';

/** What a DataVolume does. */
export type DvWork =
  | { readonly kind: 'import'; readonly url: string; readonly source: 'registry' | 'http' }
  | { readonly kind: 'blank' }
  | { readonly kind: 'clone'; readonly from: 'pvc' | 'snapshot'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'unresolved'; readonly reason: string; readonly message: string }
  | { readonly kind: 'unsupported'; readonly what: string };

/**
 * The work of a DataVolume. A sourceRef to a DataSource is resolved here on every pass until the
 * DataVolume succeeds, from the DataSource's spec.source (through one spec.source.dataSource hop),
 * as CDI's populateSourceIfSourceRef does: nothing records which source it resolved to.
 */
export function dvWork(dv: DataVolume, dataSource: (ns: string, name: string) => DataSource | undefined): DvWork {
  const ns = dv.metadata?.namespace ?? '';
  let source = dv.spec.source;
  const ref = dv.spec.sourceRef;
  if (ref !== undefined) {
    if (ref.kind !== 'DataSource') return { kind: 'unsupported', what: `sourceRef kind ${ref.kind}` };
    const refNs = ref.namespace ?? ns;
    let ds = dataSource(refNs, ref.name);
    const hop = ds?.spec.source.dataSource;
    if (hop !== undefined) ds = dataSource(hop.namespace || refNs, hop.name);
    if (ds === undefined)
      return { kind: 'unresolved', reason: 'NotFound', message: `DataSource ${refNs}/${ref.name} not found` };
    source = {
      ...(ds.spec.source.pvc ? { pvc: ds.spec.source.pvc } : {}),
      ...(ds.spec.source.snapshot ? { snapshot: ds.spec.source.snapshot } : {}),
    };
    if (source.pvc === undefined && source.snapshot === undefined)
      return { kind: 'unresolved', reason: 'NoSource', message: `DataSource ${refNs}/${ref.name} has no source` };
    const pvc = source.pvc;
    const snapshot = source.snapshot;
    if (pvc !== undefined) return { kind: 'clone', from: 'pvc', namespace: pvc.namespace || refNs, name: pvc.name };
    if (snapshot !== undefined)
      return { kind: 'clone', from: 'snapshot', namespace: snapshot.namespace || refNs, name: snapshot.name };
  }
  if (source?.registry?.url !== undefined) return { kind: 'import', url: source.registry.url, source: 'registry' };
  if (source?.http?.url !== undefined) return { kind: 'import', url: source.http.url, source: 'http' };
  if (source?.blank !== undefined) return { kind: 'blank' };
  if (source?.pvc !== undefined)
    return { kind: 'clone', from: 'pvc', namespace: source.pvc.namespace || ns, name: source.pvc.name };
  if (source?.snapshot !== undefined)
    return { kind: 'clone', from: 'snapshot', namespace: source.snapshot.namespace || ns, name: source.snapshot.name };
  return {
    kind: 'unsupported',
    what: 'a source other than registry, http, blank, pvc, snapshot or a DataSource sourceRef',
  };
}

/** The storage the DataVolume asks for (spec.storage, else spec.pvc). */
export function requestedStorage(dv: DataVolume): string | undefined {
  return dv.spec.storage?.resources?.requests?.storage ?? dv.spec.pvc?.resources?.requests?.storage;
}

/** The PVC CDI makes for a DataVolume: same name, owned by it, populated by CDI's populator. */
export function targetPvc(dv: DataVolume, work: DvWork, size: string): PvcJson {
  const name = dv.metadata?.name ?? '';
  const spec = dv.spec.storage ?? dv.spec.pvc;
  const populator = work.kind === 'clone' ? 'VolumeCloneSource' : 'VolumeImportSource';
  const crossNamespace = work.kind === 'clone' && work.namespace !== (dv.metadata?.namespace ?? '');
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name,
      namespace: dv.metadata?.namespace ?? '',
      labels: { ...(dv.metadata?.labels ?? {}), app: 'containerized-data-importer' },
      annotations: {
        ...(dv.metadata?.annotations ?? {}),
        [CDI_ANNOTATION_POPULATOR_KIND]: populator,
        [CDI_ANNOTATION_POD_PHASE]: 'Pending',
        ...(work.kind === 'import'
          ? { [CDI_ANNOTATION_ENDPOINT]: work.url, [CDI_ANNOTATION_SOURCE]: work.source }
          : {}),
        ...(crossNamespace ? { [CDI_ANNOTATION_DATA_SOURCE_NAMESPACE]: work.namespace } : {}),
      },
      ownerReferences: [
        {
          apiVersion: 'cdi.kubevirt.io/v1beta1',
          kind: 'DataVolume',
          name,
          uid: dv.metadata?.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      accessModes: spec?.accessModes ?? ['ReadWriteOnce'],
      resources: { requests: { storage: size } },
      ...(spec?.volumeMode ? { volumeMode: spec.volumeMode } : {}),
      ...(spec?.storageClassName ? { storageClassName: spec.storageClassName } : {}),
      dataSourceRef: {
        apiGroup: CDI_GROUP,
        kind: populator,
        name: `${populator === 'VolumeCloneSource' ? 'volume-clone-source' : 'volume-import-source'}-${dv.metadata?.uid ?? ''}`,
      },
    },
  };
}

type Condition = {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastHeartbeatTime?: string;
};
type DvStatus = NonNullable<DataVolume['status']>;

/**
 * The DataVolume's status in a phase. Bound follows the PVC (conditions.go updateBoundCondition),
 * Ready is True only when Succeeded, Running is True while the populator works and False with
 * reason Completed after.
 */
export function dvStatus(
  dv: DataVolume,
  phase: string,
  pvc: PvcJson | undefined,
  opts: {
    readonly progress?: string;
    readonly running?: boolean;
    readonly boundReason?: string;
    readonly boundMessage?: string;
    readonly now: string;
  },
): DvStatus {
  const name = dv.metadata?.name ?? '';
  const bound: Condition =
    pvc === undefined
      ? {
          type: 'Bound',
          status: 'False',
          reason: opts.boundReason ?? 'NotFound',
          message: opts.boundMessage ?? 'No PVC found',
        }
      : pvc.status?.phase === 'Bound'
        ? { type: 'Bound', status: 'True', reason: 'Bound', message: `PVC ${name} Bound` }
        : {
            type: 'Bound',
            status: 'False',
            reason: opts.boundReason ?? 'Pending',
            message: opts.boundMessage ?? `PVC ${name} Pending`,
          };
  const ready: Condition = { type: 'Ready', status: phase === 'Succeeded' ? 'True' : 'False', reason: '', message: '' };
  const running: Condition =
    phase === 'Succeeded'
      ? { type: 'Running', status: 'False', reason: 'Completed', message: dvWorkDone(dv) }
      : opts.running === true
        ? { type: 'Running', status: 'True', reason: 'Pod is running', message: '' }
        : { type: 'Running', status: 'False', reason: '', message: '' };
  const previous = (dv.status?.conditions ?? []) as Condition[];
  const conditions = [bound, ready, running].map((c) => {
    const old = previous.find((p) => p.type === c.type);
    const same = old?.status === c.status;
    return {
      ...c,
      reason: c.reason ?? '',
      message: c.message ?? '',
      lastTransitionTime: same && old.lastTransitionTime ? old.lastTransitionTime : opts.now,
      lastHeartbeatTime: opts.now,
    };
  });
  return {
    phase,
    ...(opts.progress === undefined ? {} : { progress: opts.progress }),
    ...(pvc === undefined ? {} : { claimName: name }),
    conditions,
  };
}

function dvWorkDone(dv: DataVolume): string {
  return dv.spec.source?.registry || dv.spec.source?.http
    ? 'Import Complete'
    : dv.spec.source?.blank
      ? 'Import Complete'
      : 'Clone Complete';
}

/** Whether two statuses differ in what CDI would write (heartbeats aside). */
export function statusChanged(a: DataVolume['status'], b: DataVolume['status']): boolean {
  const strip = (s: DataVolume['status']) =>
    JSON.stringify({
      ...s,
      conditions: (s?.conditions ?? []).map((c) => ({
        type: c.type,
        status: c.status,
        reason: c.reason,
        message: c.message,
      })),
    });
  return strip(a) !== strip(b);
}

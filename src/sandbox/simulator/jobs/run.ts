// Carrying out a Job Pod's work in-process: the real datasync library on the volume files, the
// level change of an update, an HTTP check's connection, or nothing. Returns what the container would have exited with and
// written to /dev/termination-log.
import { tokenFile } from '../../../datasync/snapshot-metadata/client.ts';
import { syncFromChangedBlocks } from '../../../datasync/snapshot-metadata/sync-changed-blocks.ts';
import { projectedTokenPath } from '../kubelet.ts';
import { DatasyncError, exitStatusFor } from '../../../datasync/errors.ts';
import { parseRangesText } from '../../../datasync/ranges-file.ts';
import type { ByteRange } from '../../../datasync/ranges.ts';
import type { DatasyncResult } from '../../../datasync/summary.ts';
import { syncVolumes } from '../../../datasync/sync.ts';
import { parseSize } from '../../../datasync/units.ts';
import { ANNOTATION_LEVELS } from '../../../api/v1alpha1/meta.ts';
import type { VirtualMachine } from '../../../kubevirt/types.ts';
import { isConflict, isNotFound } from '../../../runtime/errors.ts';
import type { StorageContext } from '../storage/context.ts';
import type { StorageFaults } from '../storage/faults.ts';
import { pvcFile } from '../storage/paths.ts';
import { STORAGE_RESOURCES as R } from '../storage/resources.ts';
import type { DatasyncWork, HttpWork, PathSource, UpdateWork } from './classify.ts';
import { withLevel } from '../../../api/v1alpha1/levels-annotation.ts';

export interface Termination {
  readonly exitCode: number;
  readonly message: string;
}

function fail(code: string, message: string): Termination {
  const result: DatasyncResult = { ok: false, error: { code, message } };
  return { exitCode: exitStatusFor(code), message: JSON.stringify(result) };
}

export async function runDatasync(
  ctx: StorageContext,
  namespace: string,
  work: DatasyncWork,
  faults: StorageFaults,
  podUid = '',
): Promise<Termination> {
  if (faults.syncFailure === 'transient')
    return fail('IO', 'simulated I/O error reading the source (sim.vapp.dev/sync-failure)');
  if (faults.syncFailure === 'permanent')
    return fail(
      'SOURCE_UNREADABLE',
      'simulated permanent failure: the source cannot be read (sim.vapp.dev/sync-failure)',
    );
  const file = (p: PathSource, side: string): string => {
    if (p.kind !== 'pvc')
      throw new DatasyncError('USAGE', `the ${side} path is not on a PersistentVolumeClaim of the Pod`);
    return pvcFile(ctx.volumesDir, namespace, p.claimName);
  };
  try {
    const source = file(work.source, 'source');
    const target = file(work.target, 'target');
    let ranges: ByteRange[] | undefined;
    if (work.ranges) {
      if (work.ranges.kind !== 'configMap')
        throw new DatasyncError('RANGES_INVALID', 'the ranges file is not on a ConfigMap volume');
      const cm = await ctx.api.get<{ data?: Record<string, string> }>(R.configMaps, namespace, work.ranges.name);
      const text = cm?.data?.[work.ranges.key];
      if (text === undefined)
        throw new DatasyncError('RANGES_INVALID', `ConfigMap ${work.ranges.name} has no key ${work.ranges.key}`);
      ranges = parseRangesText(text);
    }
    const sync = {
      source,
      target,
      ...(work.blockSize ? { blockSize: parseSize(work.blockSize) } : {}),
      ...(work.chunkSize ? { chunkSize: parseSize(work.chunkSize) } : {}),
      verify: work.verify,
    };
    const cb = work.changedBlocks;
    if (cb && ranges) throw new DatasyncError('USAGE', '--ranges and --csi-address exclude each other');
    if (cb && cb.token.kind !== 'serviceAccountToken')
      throw new DatasyncError('USAGE', 'the --csi-token-file is not on a projected serviceAccountToken volume');
    const summary = await ctx.locks.with([source, target], () =>
      cb && cb.token.kind === 'serviceAccountToken'
        ? // The real client on the kubelet's token file, against the sandbox's SnapshotMetadata service.
          syncFromChangedBlocks(sync, {
            endpoint: { address: cb.address, caCert: Buffer.from(cb.caCert, 'base64') },
            token: tokenFile(projectedTokenPath(ctx.volumesDir, podUid, cb.token.volume, cb.token.path)),
            request: {
              namespace: cb.namespace,
              baseSnapshotId: cb.baseSnapshotId,
              targetSnapshotName: cb.targetSnapshotName,
            },
          })
        : syncVolumes({ ...sync, ranges }),
    );
    return { exitCode: 0, message: JSON.stringify(summary) };
  } catch (err) {
    if (err instanceof DatasyncError) return fail(err.code, err.message);
    return fail('INTERNAL', err instanceof Error ? err.message : String(err));
  }
}

export async function runUpdate(
  ctx: StorageContext,
  namespace: string,
  work: UpdateWork,
  faults: StorageFaults,
): Promise<Termination> {
  if (faults.updateFailure)
    return { exitCode: 1, message: `update of ${work.component} on ${work.vm} failed: ${faults.updateFailure}` };
  if (faults.updateNoEffect)
    return {
      exitCode: 0,
      message: JSON.stringify({ vm: work.vm, component: work.component, from: work.from, to: work.from }),
    };
  for (let attempt = 0; attempt < 5; attempt++) {
    const vm = await ctx.api.get<VirtualMachine>(R.vms, namespace, work.vm);
    if (!vm) return { exitCode: 1, message: `VirtualMachine ${work.vm} not found` };
    const levels = withLevel(vm.metadata?.annotations?.[ANNOTATION_LEVELS], work.component, work.to);
    try {
      await ctx.api.patch(
        R.vms,
        namespace,
        work.vm,
        { metadata: { annotations: { [ANNOTATION_LEVELS]: levels } } },
        { resourceVersion: vm.metadata?.resourceVersion ?? '' },
      );
      return {
        exitCode: 0,
        message: JSON.stringify({ vm: work.vm, component: work.component, from: work.from, to: work.to }),
      };
    } catch (err) {
      if (isNotFound(err)) return { exitCode: 1, message: `VirtualMachine ${work.vm} not found` };
      if (!isConflict(err)) throw err;
    }
  }
  return { exitCode: 1, message: `VirtualMachine ${work.vm} kept changing; level not written` };
}

/**
 * Whether curl would connect: nothing listens in the sandbox, so a guest "serves" when the Service
 * exists with the port and its EndpointSlices have a ready endpoint (a Ready launcher Pod). A
 * Service that does not exist fails as curl does (no such host); one without a ready endpoint
 * refuses the connection, which curl retries until --retry-max-time.
 */
export async function httpReachable(ctx: StorageContext, work: HttpWork): Promise<Termination | 'retry'> {
  const service = await ctx.api.get<{ spec?: { ports?: { port: number }[] } }>(
    R.services,
    work.namespace,
    work.service,
  );
  if (service === undefined)
    return { exitCode: 6, message: `curl: (6) Could not resolve host: ${work.service}.${work.namespace}.svc` };
  const slices = await ctx.api.client.request<{
    items: { endpoints?: { conditions?: { ready?: boolean } }[] }[];
  }>(`/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(work.namespace)}/endpointslices`, {
    query: { labelSelector: `kubernetes.io/service-name=${work.service}` },
  });
  const ready = slices.items.some((s) => (s.endpoints ?? []).some((e) => e.conditions?.ready !== false));
  if (ready && (service.spec?.ports ?? []).some((p) => p.port === work.port)) return { exitCode: 0, message: '' };
  return 'retry';
}

// A sync whose ranges come from the SnapshotMetadata service: the delta is streamed straight into
// the ranges copier; when the service cannot answer (no service, base gone, refused, a stream that
// keeps breaking) the same run compares the volumes instead, which converges from any state the
// partial copy left, and says why in its summary.
import type { SyncSummary } from '../summary.ts';
import { syncVolumes, type SyncOptions } from '../sync.ts';
import { openMetadataDelta, type DeltaOptions } from './client.ts';
import { ChangedBlocksUnavailable } from './errors.ts';

export async function syncFromChangedBlocks(
  sync: Omit<SyncOptions, 'ranges'>,
  delta: DeltaOptions,
  log: (line: string) => void = () => undefined,
): Promise<SyncSummary> {
  try {
    const { ranges, stats } = await openMetadataDelta(delta);
    const summary = await syncVolumes({ ...sync, ranges });
    return {
      ...summary,
      rangesSource: 'CSI',
      csi: { tuples: stats.tuples, resumes: stats.resumes, blockMetadataType: stats.blockMetadataType ?? 'UNKNOWN' },
    };
  } catch (err) {
    if (!(err instanceof ChangedBlocksUnavailable)) throw err;
    log(`datasync: no changed blocks from the SnapshotMetadata service (${err.reason}): ${err.message}; comparing`);
    const summary = await syncVolumes(sync);
    return { ...summary, rangesSource: 'Compare', rangesFallback: { reason: err.reason, message: err.message } };
  }
}

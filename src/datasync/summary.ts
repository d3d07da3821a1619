// The one JSON line the worker prints at the end (and writes to the Job's termination message).
import { z } from 'zod';

export const syncSummarySchema = z.object({
  ok: z.literal(true),
  mode: z.enum(['compare', 'ranges']),
  source: z.string(),
  target: z.string(),
  sourceKind: z.enum(['file', 'block']),
  targetKind: z.enum(['file', 'block']),
  /** Size of the source, i.e. of the data the target now holds. */
  sourceBytes: z.number().int().nonnegative(),
  /** Size of the target before the run, and after it (a file target follows the source's size). */
  targetBytesBefore: z.number().int().nonnegative(),
  targetBytesAfter: z.number().int().nonnegative(),
  blockSize: z.number().int().positive(),
  /** Bytes read from both sides (source and target). */
  bytesRead: z.number().int().nonnegative(),
  /** Bytes of the source examined: the whole source in compare mode, the listed ranges (and any growth) in ranges mode. */
  bytesCompared: z.number().int().nonnegative(),
  bytesWritten: z.number().int().nonnegative(),
  /** Blocks (of blockSize, aligned to multiples of it) that were written. */
  changedBlocks: z.number().int().nonnegative(),
  /** Ranges mode: number of ranges after sorting and merging. */
  ranges: z.number().int().nonnegative().optional(),
  seconds: z.number().nonnegative(),
  /** bytesCompared per second, in MiB/s. */
  mibPerSecond: z.number().nonnegative(),
  /** Whether anything was checked after the sync (see verification). */
  verified: z.boolean(),
  /** none; written: what was written was read back and matched; full: both sides' SHA-256 matched. */
  verification: z.enum(['none', 'written', 'full']).optional(),
  /** With --verify: the SHA-256 of the source, equal to the target's. */
  sha256: z.string().optional(),
  /** With --ranges-from csi: CSI when the ranges came from the SnapshotMetadata service, Compare when it fell back. */
  rangesSource: z.enum(['CSI', 'Compare']).optional(),
  /** Why the SnapshotMetadata service gave no ranges (the run compared instead). */
  rangesFallback: z.object({ reason: z.string(), message: z.string() }).optional(),
  /** With CSI ranges: the tuples received and the times a broken stream was resumed. */
  csi: z.object({ tuples: z.number().int(), resumes: z.number().int(), blockMetadataType: z.string() }).optional(),
});
export type SyncSummary = z.infer<typeof syncSummarySchema>;

export const failureSummarySchema = z.object({
  ok: z.literal(false),
  error: z.object({ code: z.string(), message: z.string() }),
});
export type FailureSummary = z.infer<typeof failureSummarySchema>;

export const resultSchema = z.discriminatedUnion('ok', [syncSummarySchema, failureSummarySchema]);
export type DatasyncResult = z.infer<typeof resultSchema>;

// The changed blocks between two cuts of a volume, from its write ledger: every ledgered write made
// after the base was cut and before the target was (a cut is strictly between the writes before and
// after it, see storage/files.ts), as FIXED_LENGTH blocks. O(changed), as a real CBT answer is.
import type { LedgerEntry } from '../workload/ledger.ts';

export const BLOCK_SIZE = 4096;

/** The start offsets of the blocks written in (baseCutMs, targetCutMs), ascending, from `startingOffset` on. */
export function changedBlocks(
  entries: readonly LedgerEntry[],
  baseCutMs: number,
  targetCutMs: number,
  startingOffset: number,
  blockSize = BLOCK_SIZE,
): number[] {
  const blocks = new Set<number>();
  for (const e of entries) {
    const t = Date.parse(e.time);
    if (!(t > baseCutMs && t < targetCutMs) || e.length <= 0) continue;
    for (let b = Math.floor(e.offset / blockSize); b * blockSize < e.offset + e.length; b++) blocks.add(b * blockSize);
  }
  // The first tuple returned ends after the starting offset (CSI spec, GetMetadataDelta).
  return [...blocks].filter((o) => o + blockSize > startingOffset).sort((a, b) => a - b);
}

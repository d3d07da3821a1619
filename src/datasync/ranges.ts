// Changed byte ranges: the input of ranges mode, sorted and merged. (Reading them from a file, in
// the shapes CSI SnapshotMetadata and others produce, is in ranges-file.ts.)

/** A half-open byte range [offset, offset + length). */
export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

/**
 * Sorts ranges, drops empty ones, merges overlapping and touching ones, and clips them to
 * [0, limit). The result is strictly increasing and non-overlapping.
 */
export function normalizeRanges(ranges: readonly ByteRange[], limit: number): ByteRange[] {
  const sorted = ranges
    .map((r) => ({ start: r.offset, end: Math.min(r.offset + r.length, limit) }))
    .filter((r) => r.end > r.start)
    .sort((a, b) => a.start - b.start);
  const out: ByteRange[] = [];
  let cur: { start: number; end: number } | undefined;
  for (const r of sorted) {
    if (cur && r.start <= cur.end) {
      cur.end = Math.max(cur.end, r.end);
    } else {
      if (cur) out.push({ offset: cur.start, length: cur.end - cur.start });
      cur = { ...r };
    }
  }
  if (cur) out.push({ offset: cur.start, length: cur.end - cur.start });
  return out;
}

/** Number of distinct `blockSize`-aligned blocks that normalized `ranges` touch. */
export function countTouchedBlocks(ranges: readonly ByteRange[], blockSize: number): number {
  let count = 0;
  let last = -1;
  for (const r of ranges) {
    const first = Math.max(Math.floor(r.offset / blockSize), last + 1);
    const end = Math.floor((r.offset + r.length - 1) / blockSize);
    if (end >= first) count += end - first + 1;
    last = Math.max(last, end);
  }
  return count;
}

/** Total bytes covered by normalized ranges. */
export function totalLength(ranges: readonly ByteRange[]): number {
  return ranges.reduce((sum, r) => sum + r.length, 0);
}

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

/** A group of nearby ranges read from the source with one read (at most a chunk long). */
export interface RangeWindow {
  readonly offset: number;
  readonly length: number;
  readonly parts: readonly ByteRange[];
}

/**
 * Turns ranges arriving in ascending order (a CSI stream, or a normalized list) into the copier's
 * read windows, one range at a time: ranges are clipped to [0, limit), a range overlapping the one
 * before is cut to start at its end (a driver may over-report), touching ranges merge, and parts
 * that touch are read together up to a chunk. `ranges` counts the merged ranges seen.
 */
export class RangeWindower {
  readonly #chunk: number;
  readonly #limit: number;
  #end = 0;
  #cur: { offset: number; end: number; parts: ByteRange[] } | undefined;
  ranges = 0;

  constructor(chunk: number, limit: number) {
    this.#chunk = chunk;
    this.#limit = limit;
  }

  /** The windows completed by this range. */
  push(r: ByteRange): RangeWindow[] {
    const start = Math.max(r.offset, this.#end);
    const end = Math.min(r.offset + r.length, this.#limit);
    if (end <= start) return [];
    if (start > this.#end || this.ranges === 0) this.ranges++;
    this.#end = end;
    const out: RangeWindow[] = [];
    for (let p = start; p < end; p += this.#chunk) {
      const part = { offset: p, length: Math.min(this.#chunk, end - p) };
      const partEnd = part.offset + part.length;
      const cur = this.#cur;
      if (cur && part.offset === cur.end && partEnd - cur.offset <= this.#chunk) {
        const last = cur.parts.at(-1);
        // Touching parts are one part: one write, not two.
        if (last !== undefined && last.offset + last.length === part.offset)
          cur.parts[cur.parts.length - 1] = { offset: last.offset, length: last.length + part.length };
        else cur.parts.push(part);
        cur.end = partEnd;
      } else {
        if (cur) out.push({ offset: cur.offset, length: cur.end - cur.offset, parts: cur.parts });
        this.#cur = { offset: part.offset, end: partEnd, parts: [part] };
      }
    }
    return out;
  }

  /** The last window. */
  flush(): RangeWindow[] {
    const cur = this.#cur;
    this.#cur = undefined;
    return cur ? [{ offset: cur.offset, length: cur.end - cur.offset, parts: cur.parts }] : [];
  }
}

/** Total bytes covered by normalized ranges. */
export function totalLength(ranges: readonly ByteRange[]): number {
  return ranges.reduce((sum, r) => sum + r.length, 0);
}

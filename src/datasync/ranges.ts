// Changed-range lists: the input of ranges mode.
//
// Accepted JSON shapes (documented in docs/datasync.md):
//   [{"offset": 0, "length": 4096}, ...]                          plain list
//   [{"byteOffset": "0", "sizeBytes": "4096"}, ...]               CSI SnapshotMetadata BlockMetadata
//   {"blockMetadata": [...], "volumeCapacityBytes": "..."}        one GetMetadataDeltaResponse
//   [{"blockMetadata": [...]}, {"blockMetadata": [...]}]          the responses of one stream
// Numbers may be JSON numbers or decimal strings (protobuf's JSON mapping writes uint64 as strings),
// snake_case names (byte_offset, size_bytes, block_metadata) are accepted too, and a file may also
// hold one JSON value per line (a streamed response per line).
import { z } from 'zod';
import { DatasyncError } from './errors.ts';

/** A half-open byte range [offset, offset + length). */
export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

const uint = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+$/, 'expected a decimal integer'),
]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isSafeInteger(n)) {
    ctx.addIssue({ code: 'custom', message: `${String(v)} is beyond 2^53` });
    return z.NEVER;
  }
  return n;
});

const rangeItem = z
  .object({
    offset: uint.optional(),
    byteOffset: uint.optional(),
    byte_offset: uint.optional(),
    length: uint.optional(),
    sizeBytes: uint.optional(),
    size_bytes: uint.optional(),
  })
  .transform((r, ctx): ByteRange => {
    const offset = r.offset ?? r.byteOffset ?? r.byte_offset;
    const length = r.length ?? r.sizeBytes ?? r.size_bytes;
    if (offset === undefined || length === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a range needs offset/byteOffset and length/sizeBytes' });
      return z.NEVER;
    }
    return { offset, length };
  });

const deltaResponse = z
  .object({
    blockMetadata: z.array(rangeItem).optional(),
    block_metadata: z.array(rangeItem).optional(),
  })
  .transform((r) => r.blockMetadata ?? r.block_metadata ?? []);

const isResponse = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v) && ('blockMetadata' in v || 'block_metadata' in v);

/** Parses one JSON value in any of the accepted shapes into a list of ranges (not yet normalized). */
export function rangesFromJson(value: unknown): ByteRange[] {
  const items: unknown[] = Array.isArray(value) ? value : [value];
  const out: ByteRange[] = [];
  for (const [i, item] of items.entries()) {
    const parsed = isResponse(item) ? deltaResponse.safeParse(item) : rangeItem.transform((r) => [r]).safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? [i, ...issue.path].join('.') : String(i);
      throw new DatasyncError('RANGES_INVALID', `invalid range at [${where}]: ${issue?.message ?? 'unrecognised shape'}`);
    }
    out.push(...parsed.data);
  }
  return out;
}

/** Parses the text of a ranges file: one JSON value, or one JSON value per line. */
export function parseRangesText(text: string): ByteRange[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let whole: unknown;
  try {
    whole = JSON.parse(trimmed);
  } catch {
    const lines = trimmed.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    const out: ByteRange[] = [];
    for (const [n, line] of lines.entries()) {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        throw new DatasyncError('RANGES_INVALID', `ranges file is neither JSON nor JSON lines (line ${n + 1}: ${(err as Error).message})`);
      }
      out.push(...rangesFromJson(value));
    }
    return out;
  }
  return rangesFromJson(whole);
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

// Ranges files: the change list given to `datasync --ranges` (loaded only in ranges mode; zod is
// not needed on the compare path).
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
import type { ByteRange } from './ranges.ts';

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

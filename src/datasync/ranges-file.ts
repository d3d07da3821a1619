// Ranges files: the change list given to `datasync --ranges` (loaded only in ranges mode).
//
// Accepted JSON shapes (documented in docs/datasync.md):
//   [{"offset": 0, "length": 4096}, ...]                          plain list
//   [{"byteOffset": "0", "sizeBytes": "4096"}, ...]               CSI SnapshotMetadata BlockMetadata
//   {"blockMetadata": [...], "volumeCapacityBytes": "..."}        one GetMetadataDeltaResponse
//   [{"blockMetadata": [...]}, {"blockMetadata": [...]}]          the responses of one stream
//   {"extents": [{"offset", "length", "description"}], ...}       a KubeVirt backup /map page
// Numbers may be JSON numbers or decimal strings (protobuf's JSON mapping writes int64 as strings),
// snake_case names (byte_offset, size_bytes, block_metadata) are accepted too, and a file may also
// hold one JSON value per line (a streamed response per line). Proto3's JSON mapping (and the Go
// lister's omitempty tags) leave out a zero field: a CSI tuple at byte 0 arrives as
// {"sizeBytes": "4096"}, so a missing CSI offset is 0. A KubeVirt map lists clean extents too:
// only those described as dirty are kept.
import { DatasyncError } from './errors.ts';
import type { ByteRange } from './ranges.ts';

// Hand-written checks rather than zod: change lists have tens of thousands of entries, and this is
// on the downtime path (zod took 0.2-0.4 s for 47,000 entries, this takes a few milliseconds).

class RangeIssue extends Error {
  readonly path: readonly (string | number)[];

  constructor(path: readonly (string | number)[], message: string) {
    super(message);
    this.path = path;
  }
}

const OFFSET_KEYS = ['offset', 'byteOffset', 'byte_offset'] as const;
const LENGTH_KEYS = ['length', 'sizeBytes', 'size_bytes'] as const;

function uint(value: unknown, path: readonly (string | number)[]): number {
  let n: number;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0)
      throw new RangeIssue(path, `expected a non-negative integer, got ${value}`);
    n = value;
  } else if (typeof value === 'string') {
    if (!/^\d+$/.test(value)) throw new RangeIssue(path, `expected a decimal integer, got "${value}"`);
    n = Number(value);
  } else {
    throw new RangeIssue(path, `expected a number or a decimal string, got ${value === null ? 'null' : typeof value}`);
  }
  if (!Number.isSafeInteger(n)) throw new RangeIssue(path, `${String(value)} is beyond 2^53`);
  return n;
}

function field(
  item: Record<string, unknown>,
  keys: readonly string[],
  path: readonly (string | number)[],
): number | undefined {
  for (const key of keys) {
    const v = item[key];
    if (v !== undefined) return uint(v, [...path, key]);
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** CSI BlockMetadata names: proto3 JSON leaves a zero offset out. */
const CSI_LENGTH_KEYS = ['sizeBytes', 'size_bytes'] as const;

function rangeItem(item: unknown, path: readonly (string | number)[]): ByteRange {
  if (!isObject(item)) throw new RangeIssue(path, 'expected an object with offset and length');
  const length = field(item, LENGTH_KEYS, path);
  const csi = CSI_LENGTH_KEYS.some((k) => item[k] !== undefined);
  const offset = field(item, OFFSET_KEYS, path) ?? (csi && length !== undefined ? 0 : undefined);
  if (offset === undefined || length === undefined)
    throw new RangeIssue(path, 'a range needs offset/byteOffset and length/sizeBytes');
  return { offset, length };
}

/** KubeVirt's /map descriptions of extents whose data changed since the checkpoint. */
const DIRTY = new Set(['dirty', 'dirty,zero']);

function kubevirtExtents(list: unknown, path: readonly (string | number)[]): ByteRange[] {
  if (!Array.isArray(list)) throw new RangeIssue([...path, 'extents'], 'expected a list');
  const out: ByteRange[] = [];
  for (const [j, e] of list.entries()) {
    const at = [...path, 'extents', j];
    if (!isObject(e)) throw new RangeIssue(at, 'expected an extent object');
    if (typeof e.description !== 'string') throw new RangeIssue([...at, 'description'], 'expected a string');
    const r = rangeItem(e, at);
    if (DIRTY.has(e.description)) out.push(r);
  }
  return out;
}

/** Parses one JSON value in any of the accepted shapes into a list of ranges (not yet normalized). */
export function rangesFromJson(value: unknown): ByteRange[] {
  const items: unknown[] = Array.isArray(value) ? value : [value];
  const out: ByteRange[] = [];
  try {
    for (const [i, item] of items.entries()) {
      if (!isObject(item)) {
        out.push(rangeItem(item, [i]));
        continue;
      }
      if (item.extents !== undefined) {
        out.push(...kubevirtExtents(item.extents, [i]));
        continue;
      }
      if (item.blockMetadata === undefined && item.block_metadata === undefined) {
        out.push(rangeItem(item, [i]));
        continue;
      }
      const key = item.blockMetadata === undefined ? 'block_metadata' : 'blockMetadata';
      const list = item[key];
      if (!Array.isArray(list)) throw new RangeIssue([i, key], 'expected a list');
      for (const [j, r] of list.entries()) out.push(rangeItem(r, [i, key, j]));
    }
  } catch (err) {
    if (err instanceof RangeIssue)
      throw new DatasyncError('RANGES_INVALID', `invalid range at [${err.path.join('.')}]: ${err.message}`);
    throw err;
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
    const lines = trimmed
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    const out: ByteRange[] = [];
    for (const [n, line] of lines.entries()) {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        throw new DatasyncError(
          'RANGES_INVALID',
          `ranges file is neither JSON nor JSON lines (line ${n + 1}: ${(err as Error).message})`,
        );
      }
      out.push(...rangesFromJson(value));
    }
    return out;
  }
  return rangesFromJson(whole);
}

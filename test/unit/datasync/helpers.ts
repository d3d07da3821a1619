// Shared helpers of the datasync tests: a seeded random generator (every failure prints its seed),
// temporary folders, and a reference model of what a sync must write.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** mulberry32: small, fast, seeded. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Random {
  readonly seed: number;
  next(): number;
  int(min: number, max: number): number;
  bytes(n: number): Buffer;
  pick<T>(items: readonly T[]): T;
}

export function random(seed: number): Random {
  const next = rng(seed);
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    bytes(n) {
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
      return b;
    },
    pick: (items) => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
  };
}

/** Seeds for property tests: DATASYNC_SEED=n reproduces one failure. */
export function seeds(count: number, base: number): number[] {
  const fixed = process.env.DATASYNC_SEED;
  if (fixed) return [Number(fixed)];
  return Array.from({ length: count }, (_, i) => base + i);
}

export async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vapp-datasync-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The target as a sync sees it after resizing: cut to the source's size or padded with zeros. */
export function resized(target: Buffer, size: number): Buffer {
  if (target.length >= size) return target.subarray(0, size);
  return Buffer.concat([target, Buffer.alloc(size - target.length)]);
}

/** Reference model of compare mode: blocks (aligned to multiples of bs) whose bytes differ. */
export function expectedChanges(target: Buffer, source: Buffer, bs: number): { blocks: number; bytes: number } {
  const t = resized(target, source.length);
  let blocks = 0;
  let bytes = 0;
  for (let b = 0; b < source.length; b += bs) {
    const e = Math.min(b + bs, source.length);
    if (!source.subarray(b, e).equals(t.subarray(b, e))) {
      blocks++;
      bytes += e - b;
    }
  }
  return { blocks, bytes };
}

/** Bytes allocated on disk for a file (st_blocks are 512-byte units). */
export async function allocated(path: string): Promise<number> {
  return (await stat(path)).blocks * 512;
}

/** Changes `count` random spans of `source` (a copy), each inside one block of size `bs`. */
export function mutateBlocks(r: Random, buf: Buffer, count: number, bs: number): Buffer {
  const out = Buffer.from(buf);
  if (out.length === 0) return out;
  for (let i = 0; i < count; i++) {
    const blockStart = Math.floor(r.int(0, out.length - 1) / bs) * bs;
    const blockEnd = Math.min(blockStart + bs, out.length);
    const at = r.int(blockStart, blockEnd - 1);
    const len = r.int(1, blockEnd - at);
    for (let k = 0; k < len; k++) out[at + k] = ((out[at + k] ?? 0) + 1 + r.int(0, 254)) % 256;
  }
  return out;
}

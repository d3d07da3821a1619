// Property-style tests of the sync engine over random images: after a sync the target equals the
// source, and compare mode writes exactly the blocks that differ.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { open, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { syncVolumes, type MutationStep, type SyncOptions } from '../../../src/datasync/sync.ts';
import { DatasyncError } from '../../../src/datasync/errors.ts';
import { normalizeRanges, RangeWindower, type ByteRange } from '../../../src/datasync/ranges.ts';
import type { SyncSummary } from '../../../src/datasync/summary.ts';
import { allocated, expectedChanges, mutateBlocks, random, seeds, tempDir, type Random } from './helpers.ts';

interface Case {
  readonly target: Buffer;
  readonly source: Buffer;
}

async function sparseFile(path: string, size: number): Promise<void> {
  await writeFile(path, '');
  await truncate(path, size);
}

async function writeCase(dir: string, c: Case): Promise<{ source: string; target: string }> {
  const source = join(dir, 'source.img');
  const target = join(dir, 'target.img');
  await writeFile(source, c.source);
  await writeFile(target, c.target);
  return { source, target };
}

/** Syncs a case in compare mode and checks every property; returns the summary. */
async function checkCompare(
  t: TestContext,
  c: Case,
  bs: number,
  chunkSize: number,
  seed: number,
): Promise<SyncSummary> {
  const dir = await tempDir(t);
  const paths = await writeCase(dir, c);
  const expected = expectedChanges(c.target, c.source, bs);
  const summary = await syncVolumes({ ...paths, blockSize: bs, chunkSize });
  const got = await readFile(paths.target);
  const why = `seed ${seed}, block ${bs}, chunk ${chunkSize}, sizes ${c.target.length} -> ${c.source.length}`;
  assert.ok(got.equals(c.source), `target != source (${why})`);
  assert.equal(summary.changedBlocks, expected.blocks, `changed blocks (${why})`);
  assert.equal(summary.bytesWritten, expected.bytes, `bytes written (${why})`);
  assert.equal(summary.bytesCompared, c.source.length);
  assert.equal(summary.targetBytesAfter, c.source.length);
  const again = await syncVolumes({ ...paths, blockSize: bs, chunkSize, verify: true });
  assert.equal(again.bytesWritten, 0, `a second sync writes nothing (${why})`);
  assert.equal(again.verified, true);
  return summary;
}

const BLOCK_SIZES = [512, 1000, 4096, 4096, 12288, 65536] as const;

function randomGeometry(r: Random): { bs: number; chunkSize: number; size: number } {
  const bs = r.pick(BLOCK_SIZES);
  const chunkSize = bs * r.int(1, 8) + r.pick([0, 0, 1, bs - 1]); // not always a multiple of bs
  const size = r.int(0, 6) * bs + r.int(0, bs - 1) + r.pick([0, chunkSize * r.int(1, 5)]);
  return { bs, chunkSize, size };
}

describe('syncVolumes, compare mode', () => {
  it('leaves identical files alone', async (t) => {
    for (const seed of seeds(6, 100)) {
      const r = random(seed);
      const { bs, chunkSize, size } = randomGeometry(r);
      const data = r.bytes(size);
      const s = await checkCompare(t, { target: data, source: data }, bs, chunkSize, seed);
      assert.equal(s.bytesWritten, 0);
      assert.equal(s.bytesRead, 2 * size);
    }
  });

  it('writes exactly the blocks that differ after random block changes', async (t) => {
    for (const seed of seeds(25, 200)) {
      const r = random(seed);
      const { bs, chunkSize, size } = randomGeometry(r);
      const target = r.bytes(size);
      const source = mutateBlocks(r, target, r.int(0, 12), r.pick([bs, 512, 1]));
      const s = await checkCompare(t, { target, source }, bs, chunkSize, seed);
      // Every changed block is written whole; only the file's last block may be shorter.
      const tail = size % bs;
      const lastChanged = tail !== 0 && !source.subarray(size - tail).equals(target.subarray(size - tail));
      assert.equal(s.bytesWritten, s.changedBlocks * bs - (lastChanged ? bs - tail : 0));
    }
  });

  it('catches changes at the first and the last byte', async (t) => {
    for (const seed of seeds(8, 300)) {
      const r = random(seed);
      const { bs, chunkSize } = randomGeometry(r);
      const size = r.int(2, 5 * bs + 7);
      const target = r.bytes(size);
      const source = Buffer.from(target);
      source[0] = ((source[0] ?? 0) + 1) % 256;
      source[size - 1] = ((source[size - 1] ?? 0) + 1) % 256;
      const s = await checkCompare(t, { target, source }, bs, chunkSize, seed);
      const lastBlock = Math.floor((size - 1) / bs);
      assert.equal(s.changedBlocks, lastBlock === 0 ? 1 : 2);
    }
  });

  it('grows the target when the source grew', async (t) => {
    for (const seed of seeds(10, 400)) {
      const r = random(seed);
      const { bs, chunkSize, size } = randomGeometry(r);
      const target = r.bytes(size);
      const extra = r.int(1, 4 * chunkSize);
      // The new tail is data, zeros (stays a hole) or zeros ending in data.
      const kind = r.pick(['data', 'zeros', 'zeros-then-data'] as const);
      const tail = kind === 'data' ? r.bytes(extra) : Buffer.alloc(extra);
      if (kind === 'zeros-then-data') tail[extra - 1] = 7;
      const source = Buffer.concat([mutateBlocks(r, target, r.int(0, 3), bs), tail]);
      const s = await checkCompare(t, { target, source }, bs, chunkSize, seed);
      assert.equal(s.targetBytesBefore, size);
      if (kind === 'zeros') assert.equal(s.bytesRead, 2 * size + extra, 'the new zero tail of the target is not read');
    }
  });

  it('truncates the target when the source shrank', async (t) => {
    for (const seed of seeds(10, 500)) {
      const r = random(seed);
      const { bs, chunkSize } = randomGeometry(r);
      const target = r.bytes(r.int(1, 6 * bs + 3));
      const source = mutateBlocks(r, target.subarray(0, r.int(0, target.length - 1)), r.int(0, 3), bs);
      await checkCompare(t, { target, source }, bs, chunkSize, seed);
    }
  });

  it('handles empty files on either side', async (t) => {
    const r = random(600);
    const data = r.bytes(10_000);
    await checkCompare(t, { target: Buffer.alloc(0), source: Buffer.alloc(0) }, 4096, 8192, 600);
    const grown = await checkCompare(t, { target: Buffer.alloc(0), source: data }, 4096, 8192, 600);
    assert.equal(grown.bytesWritten, 10_000);
    const emptied = await checkCompare(t, { target: data, source: Buffer.alloc(0) }, 4096, 8192, 600);
    assert.equal(emptied.bytesWritten, 0);
    assert.equal(emptied.targetBytesAfter, 0);
  });

  it('keeps holes of a sparse target and writes zero blocks only over data', async (t) => {
    const bs = 4096;
    for (const seed of seeds(4, 700)) {
      const r = random(seed);
      const dir = await tempDir(t);
      const size = 256 * bs; // 1 MiB, mostly holes
      const target = join(dir, 'target.img');
      const source = join(dir, 'source.img');
      // Target: a sparse file with a few data blocks. Source: some of them zeroed, others changed,
      // a few new data blocks in the holes, and the rest still holes.
      const dataBlocks = [...new Set(Array.from({ length: 12 }, () => r.int(0, 255)))];
      await sparseFile(target, size);
      await sparseFile(source, size);
      const th = await open(target, 'r+');
      const sh = await open(source, 'r+');
      const zeroed: number[] = [];
      let expectWritten = 0;
      for (const b of dataBlocks) {
        const block = r.bytes(bs);
        await th.write(block, 0, bs, b * bs);
        const fate = r.pick(['same', 'zeroed', 'changed'] as const);
        if (fate === 'zeroed') zeroed.push(b);
        else await sh.write(fate === 'same' ? block : r.bytes(bs), 0, bs, b * bs);
        if (fate !== 'same') expectWritten += bs;
      }
      const fresh = r.int(0, 255);
      if (!dataBlocks.includes(fresh)) {
        await sh.write(r.bytes(bs), 0, bs, fresh * bs);
        expectWritten += bs;
      }
      await th.close();
      await sh.close();
      const before = await allocated(target);
      const s = await syncVolumes({ source, target, blockSize: bs, chunkSize: 64 * 1024 });
      assert.ok((await readFile(target)).equals(await readFile(source)), `seed ${seed}`);
      assert.equal(s.bytesWritten, expectWritten, `only changed, zeroed and new blocks are written (seed ${seed})`);
      // Zeroed blocks are written as zeros (no hole punching); nothing else gets allocated.
      assert.ok(
        (await allocated(target)) <= before + (dataBlocks.includes(fresh) ? 0 : bs) + 8 * 1024,
        `target stayed sparse (seed ${seed})`,
      );
      assert.ok((await allocated(target)) < size / 2);
    }
  });

  it('does not inflate a sparse target that grows', async (t) => {
    const dir = await tempDir(t);
    const target = join(dir, 'target.img');
    const source = join(dir, 'source.img');
    await writeFile(target, random(800).bytes(8192));
    await writeFile(source, random(800).bytes(8192));
    await truncate(source, 64 * 1024 * 1024);
    const s = await syncVolumes({ source, target });
    assert.equal(s.bytesWritten, 0);
    assert.equal(s.targetBytesAfter, 64 * 1024 * 1024);
    assert.ok((await allocated(target)) < 1024 * 1024, 'the 64 MiB zero tail is a hole');
  });
});

/** Exact change list for a case: the differing byte spans, in random JSON shapes. */
function changedSpans(target: Buffer, source: Buffer): ByteRange[] {
  const out: ByteRange[] = [];
  const n = Math.min(target.length, source.length);
  let start = -1;
  for (let i = 0; i <= n; i++) {
    const differs = i < n && target[i] !== source[i];
    if (differs && start < 0) start = i;
    if (!differs && start >= 0) {
      out.push({ offset: start, length: i - start });
      start = -1;
    }
  }
  return out;
}

describe('syncVolumes, ranges mode', () => {
  it('copies exactly the listed ranges and ends equal to the source', async (t) => {
    for (const seed of seeds(20, 900)) {
      const r = random(seed);
      const { bs, chunkSize, size } = randomGeometry(r);
      const target = r.bytes(size);
      const mutated = mutateBlocks(r, target, r.int(0, 12), r.pick([bs, 64, 1]));
      const newSize = r.pick([size, size, r.int(0, size), size + r.int(1, 3 * chunkSize)]);
      const source =
        newSize <= size
          ? mutated.subarray(0, newSize)
          : Buffer.concat([mutated, r.pick([r.bytes(newSize - size), Buffer.alloc(newSize - size)])]);
      const dir = await tempDir(t);
      const paths = await writeCase(dir, { target, source });
      const spans = changedSpans(target, source);
      // Over-reporting is allowed (CBT reports whole blocks); shuffle to check sorting.
      const ranges = spans
        .map((s) => (r.next() < 0.3 ? { offset: Math.max(0, s.offset - 3), length: s.length + 6 } : s))
        .sort(() => r.next() - 0.5);
      const summary = await syncVolumes({ ...paths, ranges, blockSize: bs, chunkSize });
      const why = `seed ${seed}, block ${bs}, chunk ${chunkSize}, sizes ${size} -> ${newSize}`;
      assert.ok((await readFile(paths.target)).equals(source), `target != source (${why})`);
      assert.equal(summary.mode, 'ranges');
      const listed = ranges.reduce((sum, s) => sum + s.length, 0);
      if (newSize === size && spans.every((s) => ranges.includes(s))) {
        // An exact change list: the bytes written are the changed bytes.
        assert.equal(summary.bytesWritten, listed, why);
      }
      // Source bytes of the ranges (and of growth), plus target bytes under zero source blocks.
      assert.ok(
        summary.bytesRead <= 2 * listed + Math.max(0, newSize - size),
        `ranges mode reads only around the ranges (${why})`,
      );
    }
  });

  it('reads nothing and writes nothing for an empty list', async (t) => {
    const dir = await tempDir(t);
    const data = random(1000).bytes(50_000);
    const paths = await writeCase(dir, { target: data, source: data });
    const s = await syncVolumes({ ...paths, ranges: [] });
    assert.deepEqual([s.bytesRead, s.bytesWritten, s.changedBlocks, s.ranges], [0, 0, 0, 0]);
  });

  it('does not write zero ranges over holes', async (t) => {
    const dir = await tempDir(t);
    const target = join(dir, 'target.img');
    const source = join(dir, 'source.img');
    await sparseFile(target, 4 * 1024 * 1024);
    await sparseFile(source, 4 * 1024 * 1024);
    const s = await syncVolumes({ source, target, ranges: [{ offset: 0, length: 4 * 1024 * 1024 }] });
    assert.equal(s.bytesWritten, 0);
    assert.equal(s.bytesRead, 8 * 1024 * 1024, 'zero source blocks are checked against the target');
    assert.ok((await allocated(target)) < 64 * 1024);
  });
});

describe('syncVolumes, ranges as a stream (CSI GetMetadataDelta)', () => {
  /** The spans as a stream of batches in ascending order, over-reported to whole blocks sometimes. */
  async function* batches(r: Random, spans: readonly ByteRange[], bs: number): AsyncGenerator<ByteRange[]> {
    const sorted = [...spans].sort((a, b) => a.offset - b.offset);
    let end = 0;
    let batch: ByteRange[] = [];
    for (const s of sorted) {
      // Whole blocks, as a FIXED_LENGTH driver reports them (strictly ascending, never overlapping).
      const from = Math.max(end, Math.floor(s.offset / bs) * bs);
      const to = Math.ceil((s.offset + s.length) / bs) * bs;
      if (to > from) batch.push({ offset: from, length: to - from });
      end = Math.max(end, to);
      if (batch.length >= r.int(1, 4)) {
        yield batch;
        batch = [];
        await new Promise((resolve) => setImmediate(resolve)); // arrives later, as a stream does
      }
    }
    if (batch.length > 0) yield batch;
  }

  it('copies a stream while it arrives and ends equal to the source, in every geometry', async (t) => {
    for (const seed of seeds(20, 1500)) {
      const r = random(seed);
      const { bs, chunkSize, size } = randomGeometry(r);
      const target = r.bytes(size);
      const mutated = mutateBlocks(r, target, r.int(0, 12), r.pick([bs, 64, 1]));
      const newSize = r.pick([size, size, size + r.int(1, 3 * chunkSize)]);
      const source = newSize <= size ? mutated : Buffer.concat([mutated, r.bytes(newSize - size)]);
      const dir = await tempDir(t);
      const paths = await writeCase(dir, { target, source });
      const spans = changedSpans(target, source);
      const summary = await syncVolumes({
        ...paths,
        ranges: batches(r, spans, bs),
        blockSize: bs,
        chunkSize,
        verify: 'written',
      });
      const why = `seed ${seed}, block ${bs}, chunk ${chunkSize}, sizes ${size} -> ${newSize}`;
      assert.ok((await readFile(paths.target)).equals(source), `target != source (${why})`);
      assert.equal(summary.mode, 'ranges');
      assert.equal(summary.verification, 'written');
      const listed = normalizeRanges(
        spans.map((s) => ({
          offset: Math.floor(s.offset / bs) * bs,
          length: Math.ceil((s.offset + s.length) / bs) * bs - Math.floor(s.offset / bs) * bs,
        })),
        size,
      );
      assert.equal(summary.ranges, listed.length, `merged ranges (${why})`);
    }
  });

  it('reads at most twice what it writes when the stream is exact and verifies what it wrote', async (t) => {
    const r = random(1600);
    const bs = 4096;
    const target = r.bytes(256 * bs);
    const source = mutateBlocks(r, target, 20, bs);
    const dir = await tempDir(t);
    const paths = await writeCase(dir, { target, source });
    const s = await syncVolumes({ ...paths, ranges: batches(r, changedSpans(target, source), bs), verify: 'written' });
    assert.ok(s.bytesWritten > 0);
    assert.equal(s.bytesRead, 2 * s.bytesWritten, 'the source ranges once, then what was written, once');
  });

  it('fails when what it wrote does not read back, and when the stream breaks', async (t) => {
    const r = random(1700);
    const bs = 4096;
    const target = r.bytes(64 * bs);
    const source = mutateBlocks(r, target, 5, bs);
    const dir = await tempDir(t);
    const paths = await writeCase(dir, { target, source });
    const spans = changedSpans(target, source);
    // The device loses a write: the byte is changed back before the check.
    const lost = spans[0]?.offset ?? 0;
    await assert.rejects(
      syncVolumes({
        ...paths,
        ranges: batches(r, spans, bs),
        verify: 'written',
        beforeMutation: async (step) => {
          if (step.kind !== 'fsync') return;
          const h = await open(paths.target, 'r+');
          await h.write(Buffer.from([(target[lost] ?? 0) ^ 0xff]), 0, 1, lost);
          await h.close();
        },
      }),
      (err: unknown) => err instanceof DatasyncError && err.code === 'VERIFY_MISMATCH',
    );
    async function* broken(): AsyncGenerator<ByteRange[]> {
      yield [{ offset: 0, length: bs }];
      await Promise.resolve();
      throw new Error('stream reset by peer');
    }
    await assert.rejects(syncVolumes({ ...paths, ranges: broken() }), /stream reset by peer/);
  });
});

describe('RangeWindower', () => {
  it('clips, cuts overlaps, merges touching ranges and splits windows at the chunk size', () => {
    const w = new RangeWindower(8, 30);
    const out = [
      ...w.push({ offset: 0, length: 4 }),
      ...w.push({ offset: 4, length: 2 }), // touches: same range, same part
      ...w.push({ offset: 5, length: 6 }), // overlaps: cut to 6..11
      ...w.push({ offset: 20, length: 20 }), // clipped to 30
      ...w.flush(),
    ];
    assert.deepEqual(out, [
      { offset: 0, length: 6, parts: [{ offset: 0, length: 6 }] },
      { offset: 6, length: 5, parts: [{ offset: 6, length: 5 }] },
      { offset: 20, length: 8, parts: [{ offset: 20, length: 8 }] },
      { offset: 28, length: 2, parts: [{ offset: 28, length: 2 }] },
    ]);
    assert.equal(w.ranges, 2);
  });
});

describe('syncVolumes, a run stopped at any change and re-run', () => {
  /**
   * In-process version of the crash test (the CLI one kills a real process): the hook throws before
   * the k-th change, which leaves the target exactly as a kill at that point would; a re-run must
   * still end equal to the source.
   */
  it('converges from every stopping point, in both modes', async (t) => {
    for (const seed of seeds(6, 1100)) {
      const r = random(seed);
      const bs = r.pick([512, 4096]);
      const size = r.int(4, 40) * bs + r.int(0, bs - 1);
      const target = r.bytes(size);
      const grown = r.int(0, 3) * bs * 4 + r.int(0, 9);
      const mutated = mutateBlocks(r, target, r.int(3, 15), bs);
      const source = Buffer.concat([mutated, r.bytes(grown)]).subarray(
        0,
        r.next() < 0.3 ? r.int(0, size) : size + grown,
      );
      for (const mode of ['compare', 'ranges'] as const) {
        const dir = await tempDir(t);
        const paths = await writeCase(dir, { target, source });
        const opts: SyncOptions = {
          ...paths,
          blockSize: bs,
          chunkSize: 4 * bs,
          ...(mode === 'ranges' ? { ranges: changedSpans(target, source) } : {}),
        };
        // Count the changes of an uninterrupted run on a copy.
        let steps = 0;
        await writeFile(join(dir, 'probe.img'), target);
        await syncVolumes({
          ...opts,
          target: join(dir, 'probe.img'),
          beforeMutation: () => {
            steps++;
          },
        });
        assert.ok(steps >= 2, 'at least one write and the fsync');
        for (let k = 1; k <= steps; k++) {
          await writeFile(paths.target, target);
          const stop = (s: MutationStep): void => {
            if (s.index === k) throw new Error(`stopped at ${k}`);
          };
          await assert.rejects(syncVolumes({ ...opts, beforeMutation: stop }), /stopped at/);
          await syncVolumes(opts);
          assert.ok(
            (await readFile(paths.target)).equals(source),
            `seed ${seed}, ${mode}, stopped before change ${k}/${steps}`,
          );
        }
      }
    }
  });
});

describe('syncVolumes, errors', () => {
  it('names a missing source, a missing target, a directory and the same file twice', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'a.img');
    await writeFile(file, 'x');
    const code = async (o: SyncOptions): Promise<string> => {
      try {
        await syncVolumes(o);
        return 'no error';
      } catch (err) {
        assert.ok(err instanceof DatasyncError);
        return err.code;
      }
    };
    assert.equal(await code({ source: join(dir, 'missing'), target: file }), 'SOURCE_MISSING');
    assert.equal(await code({ source: file, target: join(dir, 'missing') }), 'TARGET_MISSING');
    assert.equal(await code({ source: dir, target: file }), 'NOT_FILE_OR_DEVICE');
    assert.equal(await code({ source: file, target: file }), 'SAME_FILE');
    assert.equal(await code({ source: file, target: '/dev/null' }), 'NOT_FILE_OR_DEVICE');
    assert.equal(await code({ source: file, target: join(dir, 'b'), blockSize: 0 }), 'USAGE');
  });
});

// Property test of compare mode (src/datasync/compare.ts) with fast-check: for a random pair of
// images and a random geometry, the run leaves the target equal to the source, and the writes it
// makes cover exactly the blocks that differ (none twice, none equal), which its summary reports.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { syncVolumes, type MutationStep } from '../../../src/datasync/sync.ts';
import { resized } from './helpers.ts';

/** Indexes of the blocks of `source` that differ from `target` (as the sync sees it: resized). */
function differingBlocks(target: Uint8Array, source: Uint8Array, bs: number): number[] {
  const t = resized(Buffer.from(target), source.length);
  const s = Buffer.from(source);
  const out: number[] = [];
  for (let b = 0; b * bs < s.length; b++) {
    const end = Math.min((b + 1) * bs, s.length);
    if (!s.subarray(b * bs, end).equals(t.subarray(b * bs, end))) out.push(b);
  }
  return out;
}

/** A target, and a source made from it by overwriting random spans and maybe resizing it. */
const imagePair = fc
  .record({
    bs: fc.constantFrom(512, 1000, 4096),
    chunkBlocks: fc.integer({ min: 1, max: 9 }),
    target: fc.uint8Array({ minLength: 0, maxLength: 40_000 }),
    edits: fc.array(fc.record({ at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 5000 }) }), {
      maxLength: 12,
    }),
    sizeChange: fc.oneof(fc.constant(0), fc.integer({ min: -20_000, max: 20_000 })),
  })
  .map(({ bs, chunkBlocks, target, edits, sizeChange }) => {
    const size = Math.max(0, target.length + sizeChange);
    const source = Buffer.from(resized(Buffer.from(target), size));
    for (const e of edits) if (size > 0) source.set(e.bytes.subarray(0, size - (e.at % size)), e.at % size);
    return { bs, chunkSize: bs * chunkBlocks, target, source };
  });

describe('compare mode, property', () => {
  it('makes the target equal to the source and writes exactly the differing blocks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vapp-datasync-compare-'));
    try {
      await fc.assert(
        fc.asyncProperty(imagePair, async ({ bs, chunkSize, target, source }) => {
          const sourcePath = join(dir, 'source.img');
          const targetPath = join(dir, 'target.img');
          await writeFile(sourcePath, source);
          await writeFile(targetPath, target);
          const expected = differingBlocks(target, source, bs);
          const writes: MutationStep[] = [];
          const summary = await syncVolumes({
            source: sourcePath,
            target: targetPath,
            blockSize: bs,
            chunkSize,
            beforeMutation: (step) => {
              if (step.kind === 'write') writes.push(step);
            },
          });
          assert.ok((await readFile(targetPath)).equals(source), 'the target equals the source');
          const written: number[] = [];
          for (const w of writes) {
            assert.equal(w.offset % bs, 0, 'a write starts at a block boundary');
            assert.ok(w.length % bs === 0 || w.offset + w.length === source.length, 'a write ends at a block boundary');
            for (let b = w.offset / bs; b * bs < w.offset + w.length; b++) written.push(b);
          }
          assert.deepEqual(written, expected, 'the blocks written, in order, are exactly the differing ones');
          assert.equal(summary.changedBlocks, expected.length);
          assert.equal(
            summary.bytesWritten,
            expected.reduce((n, b) => n + Math.min(bs, source.length - b * bs), 0),
          );
          assert.equal(summary.bytesCompared, source.length);
        }),
        { numRuns: 150 },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// The simulator's copy of a volume file (snapshots, restores, clones): the same bytes, holes kept,
// grown to a restore's size; through GNU cp and, without it on the PATH, through the datasync engine.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { copyVolume, createSparse } from '../../../../../src/sandbox/simulator/storage/files.ts';

const MiB = 1024 * 1024;

/** A 256 MiB sparse file with 4 KiB of data at 1 MiB and at its last block. */
async function sparseVolume(file: string): Promise<Buffer> {
  await createSparse(file, 256 * MiB);
  const data = randomBytes(4096);
  const h = await open(file, 'r+');
  try {
    await h.write(data, 0, data.length, MiB);
    await h.write(data, 0, data.length, 256 * MiB - 4096);
  } finally {
    await h.close();
  }
  return data;
}

for (const how of ['cp', 'the datasync engine'] as const) {
  describe(`copyVolume through ${how}`, () => {
    it('copies the bytes, keeps the holes and grows the copy to the size asked', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'vapp-copyvolume-'));
      const savedPath = process.env.PATH;
      try {
        const from = path.join(dir, 'from.img');
        const to = path.join(dir, 'sub', 'to.img');
        const data = await sparseVolume(from);
        if (how !== 'cp') process.env.PATH = '';
        await copyVolume(from, to, 300 * MiB);
        process.env.PATH = savedPath;
        const st = await stat(to);
        assert.equal(st.size, 300 * MiB);
        assert.ok(st.blocks * 512 <= 1 * MiB, `the copy stays sparse: ${String(st.blocks * 512)} bytes allocated`);
        const got = await readFile(to);
        const want = Buffer.alloc(300 * MiB);
        data.copy(want, MiB);
        data.copy(want, 256 * MiB - 4096);
        assert.ok(got.equals(want), 'the copy holds the source bytes, zeros elsewhere');
      } finally {
        process.env.PATH = savedPath;
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}

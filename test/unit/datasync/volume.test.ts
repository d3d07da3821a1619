import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { blockDeviceSize, openVolume, probeSizeByReading, splitDevice } from '../../../src/datasync/volume.ts';
import { tempDir } from './helpers.ts';

describe('splitDevice', () => {
  it('decodes Linux dev_t numbers', () => {
    assert.deepEqual(splitDevice(0x0801n), { major: 8n, minor: 1n }); // sda1
    assert.deepEqual(splitDevice(0x10300n), { major: 259n, minor: 0n }); // nvme0n1 (major 259)
    assert.deepEqual(splitDevice((7n << 8n) | 0xffn | ((0x123n << 12n) * 0x100n)), { major: 7n, minor: 0x123ffn });
  });
});

describe('device sizes', () => {
  it('finds a size by reading, for every size around sector boundaries', async (t) => {
    const dir = await tempDir(t);
    for (const size of [0, 1, 511, 512, 513, 4096, 1_000_000, 3 * 1024 * 1024 + 512]) {
      const path = join(dir, `f${size}`);
      await writeFile(path, Buffer.alloc(size, 1));
      const h = await open(path, 'r');
      try {
        assert.equal(await probeSizeByReading(h), size, `size ${size}`);
      } finally {
        await h.close();
      }
    }
  });

  it('reads /sys/dev/block/MAJ:MIN/size (512-byte sectors) and falls back to reading without it', async (t) => {
    const dir = await tempDir(t);
    await mkdir(join(dir, 'dev/block/8:1'), { recursive: true });
    await writeFile(join(dir, 'dev/block/8:1/size'), '2048\n');
    const path = join(dir, 'img');
    await writeFile(path, Buffer.alloc(5000));
    const h = await open(path, 'r');
    try {
      assert.equal(await blockDeviceSize(h, 0x0801n, dir), 2048 * 512);
      assert.equal(await blockDeviceSize(h, 0x0802n, dir), 5000, 'no sysfs entry: probed');
    } finally {
      await h.close();
    }
  });

  it('classifies regular files', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'a'), 'abc');
    const v = await openVolume(join(dir, 'a'), 'source');
    await v.handle.close();
    assert.deepEqual([v.kind, v.size], ['file', 3]);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { countTouchedBlocks, normalizeRanges, totalLength } from '../../../src/datasync/ranges.ts';
import { parseRangesText } from '../../../src/datasync/ranges-file.ts';
import { DatasyncError } from '../../../src/datasync/errors.ts';
import { random } from './helpers.ts';

describe('parseRangesText', () => {
  it('reads a plain list of offset/length', () => {
    assert.deepEqual(parseRangesText('[{"offset":0,"length":4096},{"offset":8192,"length":10}]'), [
      { offset: 0, length: 4096 },
      { offset: 8192, length: 10 },
    ]);
  });

  it('reads CSI BlockMetadata and GetMetadataDelta responses, with uint64 as strings and snake_case', () => {
    const response = {
      blockMetadataType: 'FIXED_LENGTH',
      volumeCapacityBytes: '1073741824',
      blockMetadata: [{ byteOffset: '65536', sizeBytes: '65536' }],
    };
    assert.deepEqual(parseRangesText(JSON.stringify(response)), [{ offset: 65536, length: 65536 }]);
    assert.deepEqual(
      parseRangesText(JSON.stringify([response, { block_metadata: [{ byte_offset: 1, size_bytes: 2 }] }])),
      [
        { offset: 65536, length: 65536 },
        { offset: 1, length: 2 },
      ],
    );
    assert.deepEqual(parseRangesText('[{"byteOffset":"9007199254740991","sizeBytes":0}]'), [
      { offset: Number.MAX_SAFE_INTEGER, length: 0 },
    ]);
  });

  it('reads a CSI tuple at byte 0, whose offset proto3 JSON leaves out', () => {
    assert.deepEqual(parseRangesText('[{"sizeBytes":"4096"},{"byteOffset":"8192","sizeBytes":"4096"}]'), [
      { offset: 0, length: 4096 },
      { offset: 8192, length: 4096 },
    ]);
    assert.deepEqual(parseRangesText('{"block_metadata_type":1,"block_metadata":[{"size_bytes":512}]}'), [
      { offset: 0, length: 512 },
    ]);
  });

  it('keeps only the dirty extents of a KubeVirt backup map', () => {
    const page = {
      extents: [
        { offset: 0, length: 65536, type: 0, description: 'clean' },
        { offset: 65536, length: 4096, type: 0, description: 'dirty' },
        { offset: 69632, length: 8192, type: 3, description: 'dirty,zero' },
        { offset: 77824, length: 4096, type: 2, description: 'zero' },
      ],
      next_offset: null,
    };
    assert.deepEqual(parseRangesText(JSON.stringify(page)), [
      { offset: 65536, length: 4096 },
      { offset: 69632, length: 8192 },
    ]);
  });

  it('reads one response per line (a saved stream) and an empty file', () => {
    const text =
      '{"blockMetadata":[{"byteOffset":"0","sizeBytes":"512"}]}\n\n{"blockMetadata":[{"byteOffset":"4096","sizeBytes":"512"}]}\n';
    assert.deepEqual(parseRangesText(text), [
      { offset: 0, length: 512 },
      { offset: 4096, length: 512 },
    ]);
    assert.deepEqual(parseRangesText('  \n'), []);
    assert.deepEqual(parseRangesText('[]'), []);
  });

  it('says where a list is wrong', () => {
    const invalid = (text: string, pattern: RegExp) =>
      assert.throws(
        () => parseRangesText(text),
        (err: unknown) => err instanceof DatasyncError && err.code === 'RANGES_INVALID' && pattern.test(err.message),
      );
    invalid('[{"offset":0,"length":1},{"offset":-5,"length":1}]', /\[1\.offset\]/);
    invalid('[{"offset":0}]', /needs offset\/byteOffset and length\/sizeBytes/);
    invalid('[{"byteOffset":"12a","sizeBytes":"1"}]', /decimal integer/);
    invalid('[{"offset":"99999999999999999999","length":1}]', /beyond 2\^53/);
    invalid('{"offset":1,\n"length"', /neither JSON nor JSON lines/);
  });
});

describe('normalizeRanges', () => {
  it('sorts, merges overlapping and touching ranges, drops empty ones and clips to the limit', () => {
    const got = normalizeRanges(
      [
        { offset: 100, length: 10 },
        { offset: 0, length: 10 },
        { offset: 10, length: 5 },
        { offset: 105, length: 20 },
        { offset: 50, length: 0 },
        { offset: 190, length: 50 },
        { offset: 300, length: 5 },
      ],
      200,
    );
    assert.deepEqual(got, [
      { offset: 0, length: 15 },
      { offset: 100, length: 25 },
      { offset: 190, length: 10 },
    ]);
  });

  it('covers exactly the union of the input (random lists against a byte map)', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const r = random(seed);
      const limit = r.int(0, 300);
      const input = Array.from({ length: r.int(0, 20) }, () => ({ offset: r.int(0, 320), length: r.int(0, 40) }));
      const want = new Uint8Array(limit);
      for (const x of input) for (let i = x.offset; i < Math.min(x.offset + x.length, limit); i++) want[i] = 1;
      const got = normalizeRanges(input, limit);
      const have = new Uint8Array(limit);
      for (const x of got) for (let i = x.offset; i < x.offset + x.length; i++) have[i] = 1;
      assert.deepEqual(have, want, `seed ${seed}`);
      for (let i = 1; i < got.length; i++)
        assert.ok(
          (got[i]?.offset ?? 0) > (got[i - 1]?.offset ?? 0) + (got[i - 1]?.length ?? 0),
          `disjoint, not touching (seed ${seed})`,
        );
      assert.equal(
        totalLength(got),
        want.reduce((a, b) => a + b, 0),
      );
    }
  });
});

describe('countTouchedBlocks', () => {
  it('counts each aligned block once', () => {
    assert.equal(countTouchedBlocks([], 4096), 0);
    assert.equal(countTouchedBlocks([{ offset: 0, length: 1 }], 4096), 1);
    assert.equal(countTouchedBlocks([{ offset: 4095, length: 2 }], 4096), 2);
    assert.equal(
      countTouchedBlocks(
        [
          { offset: 0, length: 10 },
          { offset: 100, length: 10 },
          { offset: 4096, length: 8192 },
        ],
        4096,
      ),
      3,
    );
  });
});

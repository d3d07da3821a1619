import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, parseSize } from '../../../src/datasync/units.ts';
import { parseQuantity } from '../../../src/runtime/quantity.ts';

describe('parseSize', () => {
  it('reads Kubernetes quantities: k is 1000 and Ki is 1024, as in a plan or a PVC', () => {
    assert.equal(parseSize('4096'), 4096);
    assert.equal(parseSize('64Ki'), 65536);
    assert.equal(parseSize('64KiB'), 65536);
    assert.equal(parseSize('64k'), 64_000);
    assert.equal(parseSize('8MiB'), 8 * 1024 * 1024);
    assert.equal(parseSize('1.5Gi'), 1.5 * 1024 ** 3);
    assert.equal(parseSize('2M'), 2_000_000);
  });

  it("agrees with the plan's quantity parser on every form both accept", () => {
    for (const q of ['1', '64Mi', '1G', '500k', '1.5Gi', '1e3']) assert.equal(parseSize(q), parseQuantity(q));
  });

  it('rejects what is not a size', () => {
    for (const bad of ['', 'abc', '-1', '4 parsecs', '8 MiB', '2MB', 'kB', '9999999999T'])
      assert.throws(() => parseSize(bad), /invalid size/, bad);
  });
});

describe('formatBytes', () => {
  it('uses binary units with two decimals', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1536), '1.50 KiB');
    assert.equal(formatBytes(2 * 1024 ** 3), '2.00 GiB');
  });
});

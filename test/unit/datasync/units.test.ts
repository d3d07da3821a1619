import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, parseSize } from '../../../src/datasync/units.ts';

describe('parseSize', () => {
  it('reads bytes and binary and decimal units', () => {
    assert.equal(parseSize('4096'), 4096);
    assert.equal(parseSize('64KiB'), 65536);
    assert.equal(parseSize('64k'), 65536);
    assert.equal(parseSize('8 MiB'), 8 * 1024 * 1024);
    assert.equal(parseSize('1.5G'), 1.5 * 1024 ** 3);
    assert.equal(parseSize('2MB'), 2_000_000);
  });

  it('rejects what is not a whole number of bytes', () => {
    for (const bad of ['', 'abc', '-1', '4 parsecs', '1.5', '0.1k', '9999999999T'])
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

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataSyncSchema } from '../../../src/api/v1alpha1/index.ts';
import { formatBytes, parseQuantity } from '../../../src/runtime/quantity.ts';

describe('parseQuantity (convergedBelow, in bytes)', () => {
  const cases: readonly [number | string, number][] = [
    [0, 0],
    [500000, 500000],
    ['500000', 500000],
    ['64Mi', 64 * 1024 * 1024],
    ['1Ki', 1024],
    ['1.5Gi', 1.5 * 1024 ** 3],
    ['2Ti', 2 * 1024 ** 4],
    ['1G', 1e9],
    ['500k', 500_000],
    ['1.25M', 1_250_000],
    ['.5k', 500],
    ['+3k', 3000],
    ['1e6', 1_000_000],
    ['1E3', 1000],
    ['1P', 1e15],
    ['2E3', 2000], // an exponent, not exa
    ['1500m', 2], // milli-bytes round up, as resource.Quantity.Value() does
    ['1u', 1],
    ['0.1Ki', 103], // 102.4 rounded up
  ];
  for (const [input, bytes] of cases) {
    it(`${JSON.stringify(input)} -> ${bytes}`, () => assert.equal(parseQuantity(input), bytes));
  }

  it('parses the schema default', () => {
    assert.equal(parseQuantity(DataSyncSchema.parse({}).convergedBelow), 64 * 1024 * 1024);
  });

  for (const bad of ['', '-1Mi', '64MB', '64 Mi', 'Mi', '1Ki1', '1e']) {
    it(`refuses ${JSON.stringify(bad)} naming the field`, () => {
      assert.throws(() => parseQuantity(bad), {
        name: 'RangeError',
        message: /^spec\.dataSync\.convergedBelow ".*" must be a non-negative quantity such as 64Mi/,
      });
    });
  }

  it('accepts what the schema accepts, refuses what it refuses', () => {
    for (const value of ['64Mi', '1G', '500k', '1.5Gi', '.5', '1e3', '+1k', '64MB', '-1', 'Mi', '1 k']) {
      const schemaOk = DataSyncSchema.safeParse({ convergedBelow: value }).success;
      let parserOk = true;
      try {
        parseQuantity(value);
      } catch {
        parserOk = false;
      }
      assert.equal(parserOk, schemaOk, value);
    }
  });

  it('refuses negative, fractional and oversized numbers', () => {
    assert.throws(() => parseQuantity(-1), /must be a non-negative integer/);
    assert.throws(() => parseQuantity(1.5), /must be a non-negative integer/);
    assert.throws(() => parseQuantity('16Ei'), /is too large/);
    assert.throws(() => parseQuantity('1E'), /is too large/); // exa: 10^18 bytes
  });
});

describe('formatBytes (a BinarySI quantity, as the API server writes one)', () => {
  it('takes the largest power of 1024 that divides the count', () => {
    assert.equal(formatBytes(64 * 2 ** 20), '64Mi');
    assert.equal(formatBytes(2 ** 30), '1Gi');
    assert.equal(formatBytes(1536 * 2 ** 20), '1536Mi');
    assert.equal(formatBytes(3 * 2 ** 10), '3Ki');
  });
  it('writes plain digits below 1024 or when no suffix divides it', () => {
    assert.equal(formatBytes(0), '0');
    assert.equal(formatBytes(1000), '1000');
    assert.equal(formatBytes(1025), '1025');
  });
  it('reads back as the same count', () => {
    for (const n of [0, 1, 1023, 1024, 4096 + 1, 10 ** 9, 5 * 2 ** 40]) assert.equal(parseQuantity(formatBytes(n)), n);
  });
  it('refuses what is not a byte count', () => {
    assert.throws(() => formatBytes(-1), RangeError);
    assert.throws(() => formatBytes(1.5), RangeError);
  });
});

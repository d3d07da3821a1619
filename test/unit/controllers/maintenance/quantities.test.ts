import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataSyncSchema, RollbackSchema } from '../../../../src/api/v1alpha1/index.ts';
import { parseDuration, parseQuantity } from '../../../../src/controllers/maintenance/quantities.ts';

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

describe('parseDuration (retainOriginalFor, in milliseconds)', () => {
  const cases: readonly [string, number][] = [
    ['24h', 86_400_000],
    ['90m', 5_400_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['0.1h', 360_000],
    ['45s', 45_000],
    ['250ms', 250],
    ['1m0.5s', 60_500],
    ['1500us', 2], // rounded up: a non-zero duration is never 0
    ['1µs', 1],
    ['1ns', 1],
    ['0s', 0],
    ['2h45m30s', 9_930_000],
  ];
  for (const [input, ms] of cases) {
    it(`${input} -> ${ms}`, () => assert.equal(parseDuration(input), ms));
  }

  it('parses the schema default', () => {
    assert.equal(parseDuration(RollbackSchema.parse({}).retainOriginalFor), 86_400_000);
  });

  for (const bad of ['', '24', 'h', '1d', '-1h', '1h 30m', '1.h', '24H']) {
    it(`refuses ${JSON.stringify(bad)} naming the field`, () => {
      assert.throws(() => parseDuration(bad), {
        name: 'RangeError',
        message: /^spec\.rollback\.retainOriginalFor ".*" must be a duration such as 24h, 90m or 1h30m/,
      });
    });
  }

  it('accepts what the schema accepts, refuses what it refuses', () => {
    for (const value of ['24h', '1h30m', '1.5h', '250ms', '1d', '24', '-1h']) {
      const schemaOk = RollbackSchema.safeParse({ retainOriginalFor: value }).success;
      let parserOk = true;
      try {
        parseDuration(value);
      } catch {
        parserOk = false;
      }
      assert.equal(parserOk, schemaOk, value);
    }
  });
});
